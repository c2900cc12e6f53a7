import type { DataSource } from 'typeorm';
import { User } from '../../src/auth/entities/user.entity';
import { Interaction } from '../../src/interactions/entities/interaction.entity';
import { hashPassword } from '../../src/auth/password-hasher';
import { SiteMembership, type SiteRole } from '../../src/sites/entities/site-membership.entity';
import { Site } from '../../src/sites/entities/site.entity';

export const TEST_PASSWORD = 'correct-horse-battery';

let sequence = 0;
let cachedHash: string | undefined;

/** argon2 is deliberately slow; one hash of TEST_PASSWORD serves every factory user. */
async function testPasswordHash(): Promise<string> {
  cachedHash ??= await hashPassword(TEST_PASSWORD);
  return cachedHash;
}

export async function makeSite(
  dataSource: DataSource,
  overrides: Partial<Site> = {},
): Promise<Site> {
  sequence += 1;
  const repository = dataSource.getRepository(Site);
  return repository.save(
    repository.create({
      name: `Site ${sequence}`,
      description: `Description of site ${sequence}`,
      ...overrides,
    }),
  );
}

export async function makeUser(
  dataSource: DataSource,
  options: { username?: string; email?: string; sites?: Array<[Site, SiteRole]> } = {},
): Promise<User> {
  sequence += 1;
  const username = options.username ?? `user${sequence}`;
  const users = dataSource.getRepository(User);
  const user = await users.save(
    users.create({
      username,
      email: options.email ?? `${username}@example.test`,
      passwordHash: await testPasswordHash(),
    }),
  );
  if (options.sites?.length) {
    await dataSource
      .getRepository(SiteMembership)
      .insert(options.sites.map(([site, role]) => ({ userId: user.id, siteId: site.id, role })));
  }
  return user;
}

export async function makeInteraction(
  dataSource: DataSource,
  owner: { site: Site; user: User },
  overrides: Partial<Interaction> = {},
): Promise<Interaction> {
  sequence += 1;
  const repository = dataSource.getRepository(Interaction);
  const start =
    overrides.startDatetime ?? new Date(Date.UTC(2024, 0, 1, 9, 0) + sequence * 3_600_000);
  return repository.save(
    repository.create({
      title: `Interaction number ${sequence}`,
      type: 'Meeting',
      lead: 'Jane Doe',
      startDatetime: start,
      endDatetime: new Date(start.getTime() + 3_600_000),
      timezone: 'UTC',
      location: '',
      description: '',
      notes: '',
      siteId: owner.site.id,
      createdBy: owner.user.id,
      ...overrides,
    }),
  );
}
