import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/database/data-source';
import { ENTITIES } from './src/entities';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:*`). DATABASE_URL is set by
 * src/database/with-database.ts, which starts the embedded server when none is given.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is not set; run the TypeORM CLI through npm run migration:*');
}

export default new DataSource(
  buildDataSourceOptions({ url, entities: ENTITIES, applicationName: 'typeorm-cli' }),
);
