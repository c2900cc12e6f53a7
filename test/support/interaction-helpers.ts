import type { InteractionDto } from '../../src/interactions/dto/interaction.dto';
import type { Site } from '../../src/sites/entities/site.entity';
import type { User } from '../../src/auth/entities/user.entity';
import { bearer, login } from './auth-helpers';
import type { TestApp } from './test-app';

/** The API document's example body for POST /interactions. */
export const EXAMPLE_INTERACTION = {
  title: 'Project Status Update',
  type: 'Meeting',
  lead: 'Jane Doe',
  start_datetime: '2023-06-20T14:00:00Z',
  end_datetime: '2023-06-20T15:00:00Z',
  timezone: 'America/Chicago',
  location: 'Virtual Conference Room',
  description: 'Weekly project status update meeting',
  notes: 'Prepare progress report',
};

/** Logs in and selects `site`, returning the Authorization header of that session. */
export async function sessionIn(
  testApp: TestApp,
  user: User,
  site: Site,
): Promise<Record<string, string>> {
  const { token } = await login(testApp, user);
  const selected = await testApp.request({
    method: 'POST',
    url: '/api/v1/auth/site',
    headers: bearer(token),
    payload: { site_id: site.id },
  });
  if (selected.statusCode !== 200) {
    throw new Error(`could not select site ${site.id}: ${selected.body}`);
  }
  return bearer(token);
}

export function interactionOf(response: { json<T>(): T }): InteractionDto {
  return response.json<{ interaction: InteractionDto }>().interaction;
}
