/**
 * The SQL of `POST /interactions/import`: every valid row in one statement, returned in the
 * reads' shape.
 */

import type { Statement } from '../../database/statement';
import type { InteractionFields } from '../interaction-fields';
import { ROW_ALIAS, SELECT_COLUMNS } from '../read/interaction-row';

/** The columns an import fills, with the array type each travels as. */
const IMPORTED: Array<[string, string, (row: InteractionFields) => unknown]> = [
  ['title', 'text', (row) => row.title],
  ['type', 'text', (row) => row.type],
  ['lead', 'text', (row) => row.lead],
  ['start_datetime', 'timestamptz', (row) => row.startDatetime.toISOString()],
  ['end_datetime', 'timestamptz', (row) => row.endDatetime.toISOString()],
  ['timezone', 'text', (row) => row.timezone],
  ['location', 'text', (row) => row.location],
  ['description', 'text', (row) => row.description],
  ['notes', 'text', (row) => row.notes],
];

const IMPORT_TEXT =
  `INSERT INTO "interactions" AS "${ROW_ALIAS}" ("site_id", "created_by", ${IMPORTED.map(([column]) => `"${column}"`).join(', ')}) ` +
  `SELECT $1::int4, $2::int4, ${IMPORTED.map(([column]) => `"r"."${column}"`).join(', ')} ` +
  `FROM unnest(${IMPORTED.map(([, type], index) => `$${index + 3}::${type}[]`).join(', ')}) ` +
  `WITH ORDINALITY AS "r"(${IMPORTED.map(([column]) => `"${column}"`).join(', ')}, "ord") ` +
  `ORDER BY "r"."ord" RETURNING ${SELECT_COLUMNS}`;

/**
 * Every row of an import in one statement, whatever their number: one array per column, so the
 * statement has 11 parameters for 1 row or 10,000 (a VALUES list would need 11 per row, past
 * PostgreSQL's 65,535 at 5,958 rows). The new rows come back in the reads' shape.
 */
export function importStatement(
  siteId: number,
  createdBy: number,
  rows: InteractionFields[],
): Statement {
  return {
    name: 'interactions_import',
    text: IMPORT_TEXT,
    values: [siteId, createdBy, ...IMPORTED.map(([, , valueOf]) => rows.map(valueOf))],
  };
}
