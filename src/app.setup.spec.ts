import { describe, expect, it } from 'vitest';
import { versionedUrl } from './app.setup';

describe('versionedUrl', () => {
  it('maps the unversioned /api alias to /api/v1', () => {
    expect(versionedUrl('/api/interactions')).toBe('/api/v1/interactions');
    expect(versionedUrl('/api/auth/login?x=1')).toBe('/api/v1/auth/login?x=1');
    expect(versionedUrl('/api')).toBe('/api/v1');
  });

  it('leaves versioned and non-API paths alone', () => {
    expect(versionedUrl('/api/v1/sites')).toBe('/api/v1/sites');
    expect(versionedUrl('/api/v2/sites')).toBe('/api/v2/sites');
    expect(versionedUrl('/health/live')).toBe('/health/live');
    expect(versionedUrl('/apis/x')).toBe('/apis/x');
    expect(versionedUrl('/docs')).toBe('/docs');
  });

  it('does not take a path segment that merely starts with v and a digit for a version', () => {
    expect(versionedUrl('/api/v1x/thing')).toBe('/api/v1/v1x/thing');
  });
});
