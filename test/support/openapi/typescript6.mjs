// Loaded with `node --import` before @hey-api/openapi-ts: the generator prints its code through the
// TypeScript compiler API, which TypeScript 7 (the project's compiler) no longer has. Its `typescript`
// import is resolved to the dev dependency `typescript6` (npm:typescript@6) instead; nothing else changes.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'typescript' && context.parentURL?.includes('/node_modules/@hey-api/')) {
    return nextResolve('typescript6', context);
  }
  return nextResolve(specifier, context);
}
