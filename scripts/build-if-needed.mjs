// Runs before `npm start`, `npm run cli` and the migration scripts: in a checkout (src/ present) it
// builds dist/ first; in the production image (dist/ only, no TypeScript compiler) there is nothing
// to build, so the same commands run the compiled code as they are.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('src')) {
  if (existsSync('dist/src/main.js')) process.exit(0);
  console.error('Neither src/ nor dist/ is here: run this from the project directory (or the image\'s /app).');
  process.exit(1);
}
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
process.exit(build.status ?? 1);
