import type { DataSource, EntityManager } from 'typeorm';
import { User } from '../../auth/entities/user.entity';
import { hashPassword } from '../../auth/password-hasher';
import { SiteMembership, type SiteRole } from '../../sites/entities/site-membership.entity';
import { Site } from '../../sites/entities/site.entity';

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
 * The demo data of DESIGN.md §5. Does nothing when any user exists, so it is safe at every start.
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
    }
    return true;
  });
}

async function insertSites(manager: EntityManager): Promise<Site[]> {
  const sites: Site[] = [];
  for (const demo of DEMO_SITES) {
    const existing = await manager.findOneBy(Site, { name: demo.name });
    sites.push(existing ?? (await manager.save(manager.create(Site, demo))));
  }
  return sites;
}
