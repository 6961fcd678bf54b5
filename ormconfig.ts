/**
 * The data source the TypeORM CLI uses (`npm run migration:generate|run|revert`, run on the compiled
 * dist/ormconfig.js). It reads the same settings as the service: DATABASE_URL, or the embedded
 * PostgreSQL whose data lives under DATA_DIR (./.data).
 */
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config.js';
import { buildDataSourceOptions } from './src/database/data-source-options.js';
import { resolveDatabase } from './src/database/database-url.js';

const config = loadConfig();
const database = await resolveDatabase(config, (message) => console.error(message), 'command');

export default new DataSource(buildDataSourceOptions(database.url, 2));
