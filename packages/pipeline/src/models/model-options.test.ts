import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '@verbatim/core';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir, echoedOptions, resolveHubSettings } from './model-options.js';

describe('defaultCacheDir', () => {
  it('prefers VERBATIM_CACHE, then XDG_CACHE_HOME/verbatim, then ~/.cache/verbatim', () => {
    expect(defaultCacheDir({ VERBATIM_CACHE: '/v', XDG_CACHE_HOME: '/x' })).toBe('/v');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'verbatim'));
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'verbatim'));
  });

  it('ignores empty values and a relative XDG_CACHE_HOME, as the XDG spec asks', () => {
    expect(defaultCacheDir({ VERBATIM_CACHE: ' ', XDG_CACHE_HOME: 'rel' })).toBe(
      join(homedir(), '.cache', 'verbatim'),
    );
  });
});

describe('resolveHubSettings', () => {
  it('applies the defaults', () => {
    const settings = resolveHubSettings({}, {});
    expect(echoedOptions(settings)).toEqual({
      revision: 'main',
      cacheDir: join(homedir(), '.cache', 'verbatim'),
      offline: false,
      endpoint: 'https://huggingface.co',
      authenticated: false,
      retries: 4,
      verifyCache: false,
    });
    expect(settings.token).toBeUndefined();
  });

  it('reads HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE and VERBATIM_CACHE, and lets options win', () => {
    const env = {
      HF_ENDPOINT: 'https://mirror.example/hf/',
      HF_TOKEN: 'hf_env',
      HF_HUB_OFFLINE: 'YES',
      VERBATIM_CACHE: 'c',
    };
    const fromEnv = resolveHubSettings({}, env);
    expect(fromEnv).toMatchObject({
      endpoint: 'https://mirror.example/hf',
      token: 'hf_env',
      authenticated: true,
      offline: true,
      cacheDir: resolve('c'),
    });
    const fromOptions = resolveHubSettings(
      { endpoint: 'http://127.0.0.1:9', token: 'hf_opt', offline: false, cacheDir: '/d' },
      env,
    );
    expect(fromOptions).toMatchObject({
      endpoint: 'http://127.0.0.1:9',
      token: 'hf_opt',
      offline: false,
      cacheDir: '/d',
    });
  });

  it.each([
    ['1', true],
    ['on', true],
    ['True', true],
    ['0', false],
    ['no', false],
    ['', false],
  ])('reads HF_HUB_OFFLINE=%j as %s', (value, offline) => {
    expect(resolveHubSettings({}, { HF_HUB_OFFLINE: value }).offline).toBe(offline);
  });

  it('never echoes the token', () => {
    expect(JSON.stringify(echoedOptions(resolveHubSettings({ token: 'hf_secret' }, {})))).not.toContain(
      'hf_secret',
    );
  });

  it.each([
    [{ endpoint: 'ftp://x' }, 'must be an http(s) URL'],
    [{ endpoint: 'not a url' }, 'not a URL'],
    [{ endpoint: 'https://user:pw@hub.example' }, 'not in the endpoint URL: hub.example'],
    [{ retries: -1 }, 'options.retries must be an integer from 0 to 100: -1'],
    [{ retries: 1.5 }, 'options.retries must be an integer'],
    [{ revision: '' }, 'not a usable revision: ""'],
    [{ revision: '../main' }, 'not a usable revision: "../main"'],
    [{ revision: 'a b' }, 'not a usable revision'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveHubSettings(options, {})).toThrow(InvalidArgumentError);
    expect(() => resolveHubSettings(options, {})).toThrow(message);
  });

  it('accepts branch names with slashes, such as refs/pr/1', () => {
    expect(resolveHubSettings({ revision: 'refs/pr/1' }, {}).revision).toBe('refs/pr/1');
  });
});
