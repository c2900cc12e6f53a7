import type { DataSource } from 'typeorm';
import type { User } from '../../src/auth/entities/user.entity';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { makeInteraction } from './factories';

const HOUR = 3_600_000;

/** Named records with known values; `now` makes some of them upcoming and some recent. */
export async function makeSearchFixture(
  dataSource: DataSource,
  site: Site,
  [alice, bob]: [User, User],
  now = Date.now(),
): Promise<Record<string, Interaction>> {
  const make = (user: User, values: Partial<Interaction>) =>
    makeInteraction(dataSource, { site, user }, values);
  return {
    kickoff: await make(alice, {
      title: 'Kickoff meeting',
      type: 'Meeting',
      lead: 'John Smith',
      startDatetime: new Date('2023-06-01T09:00:00Z'),
      endDatetime: new Date('2023-06-01T10:00:00Z'),
      timezone: 'America/New_York',
      location: 'Room A',
      description: 'Initial project kickoff',
    }),
    discount: await make(bob, {
      title: 'Discount 50% review',
      type: 'Call',
      lead: 'Jane Doe',
      startDatetime: new Date('2023-06-15T14:00:00Z'),
      endDatetime: new Date('2023-06-15T14:30:00Z'),
      description: 'batch_a pricing',
      notes: 'follow up',
    }),
    quarterly: await make(alice, {
      title: 'Quarterly review',
      type: 'Email',
      lead: 'Johnny Appleseed',
      startDatetime: new Date('2023-07-01T08:00:00Z'),
      endDatetime: new Date('2023-07-01T08:05:00Z'),
      timezone: 'Europe/London',
      location: 'Online',
      notes: 'Kickoff follow-up',
    }),
    overnight: await make(bob, {
      title: 'Site visit north',
      type: 'Visit',
      lead: 'Maria Garcia',
      startDatetime: new Date('2023-06-30T22:00:00Z'),
      endDatetime: new Date('2023-07-01T02:00:00Z'),
      location: 'Warehouse',
    }),
    fair: await make(alice, {
      title: 'Trade fair',
      type: 'Event',
      lead: 'Wei Chen',
      startDatetime: new Date(now + 48 * HOUR),
      endDatetime: new Date(now + 51 * HOUR),
    }),
    retro: await make(bob, {
      title: 'Retro call',
      type: 'Call',
      lead: 'john smith',
      startDatetime: new Date(now - 3 * HOUR),
      endDatetime: new Date(now - HOUR),
    }),
    ongoing: await make(alice, {
      title: 'All-day workshop',
      type: 'Other',
      lead: 'Amara Okafor',
      startDatetime: new Date(now - 2 * HOUR),
      endDatetime: new Date(now + 2 * HOUR),
    }),
  };
}
