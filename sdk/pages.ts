/**
 * Copied into the generated SDK (`sdk/typescript/pages.ts`) by `npm run sdk`: the one helper the
 * generator cannot write, an iterator over every page of a paged endpoint. It follows
 * `next_cursor`, so the walk costs the same at any depth and rows written meanwhile neither repeat
 * nor hide unread ones.
 *
 *   for await (const page of allPages((cursor) =>
 *     interactionsList({ client, query: { search: 'kickoff', cursor }, throwOnError: true }),
 *   )) { … page.interactions … }
 *
 * For `POST /search/advanced`, put `cursor` in the body instead.
 */
export async function* allPages<TPage extends { next_cursor: string | null }>(
  fetchPage: (cursor: string | undefined) => Promise<{ data?: TPage; error?: unknown }>,
): AsyncGenerator<TPage, void, undefined> {
  let cursor: string | undefined;
  do {
    const { data, error } = await fetchPage(cursor);
    if (data === undefined) {
      throw error instanceof Error ? error : new Error(JSON.stringify(error));
    }
    yield data;
    cursor = data.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
