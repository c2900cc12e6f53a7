import argon2 from 'argon2';
import type { DataSource, EntityManager } from 'typeorm';
import { User } from '../auth/entities/user.entity';
import { hashPassword } from '../auth/password-hasher';
import { Interaction } from '../interactions/entities/interaction.entity';
import { SiteMembership, type SiteRole } from '../sites/entities/site-membership.entity';
import { Site } from '../sites/entities/site.entity';

export const DEMO_PASSWORD = 'demo-password-123';

const DEMO_SITES = [
  { name: 'Headquarters', description: 'Main corporate headquarters' },
  {
    name: 'Northwest Regional Office',
    description: 'Regional branch serving the northwest territory',
  },
  {
    name: 'Southeast Regional Office',
    description: 'Regional branch serving the southeast territory',
  },
];

/** Site positions (0-based in DEMO_SITES) and the role each demo user has there. */
const DEMO_USERS: Array<{ username: string; email: string; roles: Array<[number, SiteRole]> }> = [
  {
    username: 'admin',
    email: 'admin@example.com',
    roles: [
      [0, 'manager'],
      [1, 'manager'],
      [2, 'manager'],
    ],
  },
  {
    username: 'alice',
    email: 'alice@example.com',
    roles: [
      [0, 'member'],
      [1, 'member'],
    ],
  },
  { username: 'bob', email: 'bob@example.com', roles: [[1, 'viewer']] },
];

/**
 * Demo accounts that still sign in with the published password. A production start refuses them:
 * a database restored from a demo or staging instance would otherwise be open to anyone.
 */
export async function demoAccountsWithDemoPassword(dataSource: DataSource): Promise<string[]> {
  const users = await dataSource.getRepository(User).find({
    where: DEMO_USERS.map(({ email }) => ({ email })),
    select: { email: true, passwordHash: true },
    order: { email: 'ASC' },
  });
  const open: string[] = [];
  for (const user of users) {
    if (await argon2.verify(user.passwordHash, DEMO_PASSWORD)) {
      open.push(user.email);
    }
  }
  return open;
}

/**
 * The demo data of DESIGN.md §5: three sites, three users, 60 interactions. Does nothing when any user exists, so it is safe at every start.
 * Returns whether it seeded.
 */
export async function seedDemoData(dataSource: DataSource): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    await manager.query('LOCK TABLE users IN EXCLUSIVE MODE');
    if ((await manager.count(User)) > 0) {
      return false;
    }
    const sites = await insertSites(manager);
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const users: User[] = [];
    for (const demo of DEMO_USERS) {
      const user = await manager.save(
        manager.create(User, { username: demo.username, email: demo.email, passwordHash }),
      );
      await manager.insert(
        SiteMembership,
        demo.roles.map(([position, role]) => ({
          userId: user.id,
          siteId: sites[position].id,
          role,
        })),
      );
      users.push(user);
    }
    await manager.insert(Interaction, demoInteractions(sites, users, new Date()));
    return true;
  });
}

const TOPICS = [
  ['Team Kickoff Meeting', 'Meeting', 'Conference Room A'],
  ['Quarterly Business Review', 'Meeting', 'Board Room'],
  ['Supplier pricing call', 'Call', ''],
  ['Follow-up on proposal', 'Email', ''],
  ['Product demo for prospect', 'Video Call', 'Online'],
  ['Site visit: new warehouse', 'Visit', 'Warehouse 4'],
  ['Regional trade fair', 'Event', 'Exhibition Centre'],
  ['Contract renewal discussion', 'Call', ''],
  ['Onboarding session', 'Video Call', 'Online'],
  ['Customer feedback workshop', 'Meeting', 'Training Room 2'],
] as const;
const LEADS = [
  'John Smith',
  'Jane Doe',
  'Maria Garcia',
  'Wei Chen',
  'Amara Okafor',
  'Lars Nilsson',
];
const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'UTC'];

/**
 * 60 interactions, 20 per site, spread from six weeks ago to six weeks ahead of `now`, so the
 * upcoming and recent views have content. Deterministic apart from `now`.
 */
function demoInteractions(sites: Site[], users: User[], now: Date): Array<Partial<Interaction>> {
  const hour = 3_600_000;
  const day = 24 * hour;
  const rows: Array<Partial<Interaction>> = [];
  for (let index = 0; index < 60; index += 1) {
    const site = sites[index % sites.length];
    const [title, type, location] = TOPICS[index % TOPICS.length];
    const dayOffset = Math.round((index - 30) * 1.4);
    const start = new Date(
      Math.floor(now.getTime() / day) * day + dayOffset * day + (9 + (index % 8)) * hour,
    );
    const creator = site.id === sites[2].id ? users[0] : users[index % 2];
    rows.push({
      siteId: site.id,
      title: `${title} #${index + 1}`,
      type,
      lead: LEADS[index % LEADS.length],
      startDatetime: start,
      endDatetime: new Date(start.getTime() + (1 + (index % 3)) * 30 * 60_000),
      timezone: ZONES[index % ZONES.length],
      location,
      description: `${type} about ${title.toLowerCase()}.`,
      notes: index % 4 === 0 ? 'Send minutes to all participants' : '',
      createdBy: creator.id,
    });
  }
  return rows;
}

async function insertSites(manager: EntityManager): Promise<Site[]> {
  const sites: Site[] = [];
  for (const demo of DEMO_SITES) {
    const existing = await manager.findOneBy(Site, { name: demo.name });
    sites.push(existing ?? (await manager.save(manager.create(Site, demo))));
  }
  return sites;
}
