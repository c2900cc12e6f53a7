/**
 * What an interaction read returns, and the names its SQL uses: the columns aliased to the
 * entity's property names (so `toInteractionDto` maps a row and an entity alike) and the orders.
 * Free of Nest and TypeORM runtime imports, like the statement builders (bench/baseline/).
 */

import type { Interaction } from '../entities/interaction.entity';
import type { InteractionFields } from '../interaction-fields';

/** An interaction as the reads return it: the entity's columns, without its relations. */
export type InteractionRow = InteractionFields &
  Pick<Interaction, 'id' | 'siteId' | 'createdBy' | 'createdAt' | 'updatedAt' | 'version'>;

/** One sort key: the column inside the page, the property (the row's field name) outside it. */
export interface OrderKey {
  column: string;
  property: keyof InteractionRow;
  direction: 'ASC' | 'DESC';
}

export const COLUMN_PROPERTIES: Array<[string, keyof InteractionRow]> = [
  ['id', 'id'],
  ['site_id', 'siteId'],
  ['title', 'title'],
  ['type', 'type'],
  ['lead', 'lead'],
  ['start_datetime', 'startDatetime'],
  ['end_datetime', 'endDatetime'],
  ['timezone', 'timezone'],
  ['location', 'location'],
  ['description', 'description'],
  ['notes', 'notes'],
  ['created_by', 'createdBy'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['version', 'version'],
];

/** The table's alias in every statement here; conditions passed in are written over it. */
export const ROW_ALIAS = 'i';

/** Every column, aliased to the row's field names. */
export const SELECT_COLUMNS = COLUMN_PROPERTIES.map(
  ([column, property]) => `"${ROW_ALIAS}"."${column}" AS "${property}"`,
).join(', ');

export const NEWEST_FIRST: OrderKey[] = [
  { column: 'start_datetime', property: 'startDatetime', direction: 'DESC' },
  { column: 'id', property: 'id', direction: 'DESC' },
];

export const OLDEST_FIRST: OrderKey[] = [
  { column: 'start_datetime', property: 'startDatetime', direction: 'ASC' },
  { column: 'id', property: 'id', direction: 'ASC' },
];
