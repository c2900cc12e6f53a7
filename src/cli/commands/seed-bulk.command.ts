import { Command, CommandRunner, Option } from 'nest-commander';
import { BULK_PASSWORD, bulkUsername, seedBulkInteractions } from '../../seeds/bulk.seed';
import { CliDatabaseService } from '../cli-database.service';
import { CliInputError, writeLine } from '../cli-input';

interface SeedBulkOptions {
  interactions?: number;
  sites?: number;
  users?: number;
  largestShare?: number;
}

@Command({
  name: 'seed:bulk',
  description: `Add generated interactions over "Bulk site" sites, created by ${bulkUsername(1)} … (password ${BULK_PASSWORD}); for local benchmarks only`,
})
export class SeedBulkCommand extends CommandRunner {
  constructor(private readonly database: CliDatabaseService) {
    super();
  }

  override async run(_params: string[], options: SeedBulkOptions): Promise<void> {
    const started = Date.now();
    const interactions = options.interactions ?? 1_000_000;
    const { siteIds, userIds } = await seedBulkInteractions(await this.database.dataSource(), {
      interactions,
      sites: options.sites ?? 20,
      users: options.users ?? 10,
      largestSitePercent: options.largestShare,
    });
    writeLine(
      `added ${interactions} interactions over sites ${siteIds.join(', ')} by ${userIds.length} users in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  @Option({
    flags: '--interactions <n>',
    description: 'interactions to add (default 1000000)',
  })
  parseInteractions(value: string): number {
    return positiveInteger(value, '--interactions', 10_000_000);
  }

  @Option({
    flags: '--count <n>',
    name: 'interactions',
    description: 'alias of --interactions',
  })
  parseCount(value: string): number {
    return positiveInteger(value, '--count', 10_000_000);
  }

  @Option({ flags: '--sites <n>', description: 'sites to spread them over (default 20)' })
  parseSites(value: string): number {
    return positiveInteger(value, '--sites', 1_000);
  }

  @Option({
    flags: '--largest-share <percent>',
    description: 'percent of the interactions in the first site, the rest even (default: all even)',
  })
  parseLargestShare(value: string): number {
    return positiveInteger(value, '--largest-share', 100);
  }

  @Option({
    flags: '--users <n>',
    description: `users creating them, ${bulkUsername(1)} … (default 10)`,
  })
  parseUsers(value: string): number {
    return positiveInteger(value, '--users', 1_000);
  }
}

function positiveInteger(value: string, flag: string, max: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) {
    throw new CliInputError(`${flag} must be an integer from 1 to ${max}`);
  }
  return parsed;
}
