import { CreateAuthAndSites1795619375657 } from './1795619375657-create-auth-and-sites';
import { CreateInteractions1795620315727 } from './1795620315727-create-interactions';
import { AddSearchIndexes1795621000000 } from './1795621000000-add-search-indexes';
import { AddSiteInteractionCounts1795622000000 } from './1795622000000-add-site-interaction-counts';
import { AddUserDisabledAt1795623000000 } from './1795623000000-add-user-disabled-at';
import { CoverPeriodIndex1795624000000 } from './1795624000000-cover-period-index';
import { SiteScopedTrigramIndexes1795625000000 } from './1795625000000-site-scoped-trigram-indexes';
import { SiteLastChange1795626000000 } from './1795626000000-site-last-change';
import { SmallTrigramPendingLists1795627000000 } from './1795627000000-small-trigram-pending-lists';
import { HistoryAndTrash1795628000000 } from './1795628000000-history-and-trash';
import { AuditFilterIndexes1795629000000 } from './1795629000000-audit-filter-indexes';

/**
 * Every migration, in order. Listed explicitly rather than globbed so that the app, the CLI and
 * the tests (which run TypeScript through Vitest) load the same classes the same way.
 */
export const MIGRATIONS = [
  CreateAuthAndSites1795619375657,
  CreateInteractions1795620315727,
  AddSearchIndexes1795621000000,
  AddSiteInteractionCounts1795622000000,
  AddUserDisabledAt1795623000000,
  CoverPeriodIndex1795624000000,
  SiteScopedTrigramIndexes1795625000000,
  SiteLastChange1795626000000,
  SmallTrigramPendingLists1795627000000,
  HistoryAndTrash1795628000000,
  AuditFilterIndexes1795629000000,
];
