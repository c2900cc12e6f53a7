/**
 * The SQL of `POST /interactions`, written out as the reads are (read/interaction-sql.ts): one
 * statement that returns the new row in the reads' shape.
 */

import type { Statement } from '../database/statement';
import type { InteractionFields } from './interaction-fields';
import {
  COLUMN_PROPERTIES,
  ROW_ALIAS,
  SELECT_COLUMNS,
  type InteractionRow,
} from './read/interaction-row';

/** What a new row is given; the other columns have defaults. */
type NewInteractionRow = InteractionFields & Pick<InteractionRow, 'siteId' | 'createdBy'>;

const INSERTED: Array<keyof NewInteractionRow> = [
  'siteId',
  'createdBy',
  'title',
  'type',
  'lead',
  'startDatetime',
  'endDatetime',
  'timezone',
  'location',
  'description',
  'notes',
];

const COLUMN_OF = new Map(COLUMN_PROPERTIES.map(([column, property]) => [property, column]));

const INSERT_TEXT =
  `INSERT INTO "interactions" AS "${ROW_ALIAS}" ` +
  `(${INSERTED.map((property) => `"${COLUMN_OF.get(property)}"`).join(', ')}) ` +
  `VALUES (${INSERTED.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING ${SELECT_COLUMNS}`;

/**
 * `POST /interactions`: the new row, as the reads return it, in one statement. TypeORM's save
 * wrapped it in a transaction and read the row again afterwards: four round trips for one.
 */
export function insertStatement(row: NewInteractionRow): Statement {
  return {
    name: 'interaction_insert',
    text: INSERT_TEXT,
    values: INSERTED.map((property) => row[property]),
  };
}
