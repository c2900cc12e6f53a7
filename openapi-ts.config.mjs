import { defineConfig } from '@hey-api/openapi-ts';

/**
 * `npm run sdk`: the TypeScript client generated from the committed document. The output is not
 * committed (see .gitignore); `npm run lint` and `npm test` regenerate it first, so it can never
 * be stale. The fetch client is bundled with the generator and copied into the output, so the
 * SDK has no runtime dependency and runs on Node's global fetch.
 */
export default defineConfig({
  // "./" matters: a bare "a/b" path is read as a Hey API registry shorthand (a download).
  input: './openapi/openapi.json',
  output: { path: 'sdk/typescript', postProcess: [] },
  logs: { file: false },
  plugins: [
    '@hey-api/client-fetch',
    { name: '@hey-api/typescript', enums: 'javascript' },
    { name: '@hey-api/sdk' },
  ],
});
