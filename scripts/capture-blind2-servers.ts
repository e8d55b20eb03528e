/**
 * The second held-out set of the discovery evaluation ("blind2"): servers chosen, and given tasks
 * (test/discovery/fixtures-blind2/tasks.unlabelled.json), by someone who saw only each package's name
 * and npm summary, never its tools nor the ranker; captured into `test/discovery/fixtures-blind2/` by
 * `npx tsx scripts/capture-catalogs.ts --set blind2`.
 *
 * Each server is installed in a prefix of its own outside the repo first, so their dependencies never
 * clash and never enter package.json:
 *
 *   PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix /tmp/cat-<server> <package>
 *
 * Credentials are dummies and service URLs point at a closed loopback port: tools/list needs neither,
 * and nothing here reaches a live service.
 */
import type { ServerSpec } from './capture-catalogs.js';

/** A closed port on loopback, for servers that want a service URL but only connect when a tool runs. */
const NOWHERE = 'http://127.0.0.1:9';

const spec = (
  server: string,
  pkg: string,
  rest: Omit<ServerSpec, 'server' | 'package'> = {},
): ServerSpec => ({
  server,
  package: pkg,
  prefix: `/tmp/cat-${server}`,
  ...rest,
});

/** The blind2 servers, by the short names their tasks use. */
export const BLIND2_SERVERS: ServerSpec[] = [
  spec('perplexity', '@perplexity-ai/mcp-server', { env: { PERPLEXITY_API_KEY: 'pplx-dummy' } }),
  spec('mapbox', '@mapbox/mcp-server', { env: { MAPBOX_ACCESS_TOKEN: 'pk.dummy' } }),
  spec('coderunner', 'mcp-server-code-runner'),
  spec('hotelzero', 'hotelzero'),
  spec('argocd', 'argocd-mcp', {
    args: () => ['stdio'],
    env: { ARGOCD_BASE_URL: NOWHERE, ARGOCD_API_TOKEN: 'dummy' },
  }),
  spec('europarl', 'european-parliament-mcp-server'),
  spec('auth0', '@auth0/auth0-mcp-server', {
    args: () => ['run', '--tools', '*'],
    env: { AUTH0_DOMAIN: 'dummy.auth0.com', AUTH0_TOKEN: 'dummy' },
  }),
  spec('metabase', '@cognitionai/metabase-mcp-server', {
    env: { METABASE_URL: NOWHERE, METABASE_API_KEY: 'mb_dummy' },
  }),
  spec('mysql', '@benborla29/mcp-server-mysql', {
    env: {
      // It exits when its first connection fails, so it is pointed at a port that accepts and stays
      // silent (the local Redis) with a long handshake timeout, long enough to list its tools.
      MYSQL_HOST: '127.0.0.1',
      MYSQL_PORT: '6379',
      MYSQL_CONNECT_TIMEOUT: '60000',
      MYSQL_USER: 'dummy',
      MYSQL_PASS: 'dummy',
      MYSQL_DB: 'dummy',
      // The package's advertised write support, so its full catalog is listed.
      ALLOW_INSERT_OPERATION: 'true',
      ALLOW_UPDATE_OPERATION: 'true',
      ALLOW_DELETE_OPERATION: 'true',
      ALLOW_DDL_OPERATION: 'true',
    },
  }),
  spec('digitalocean', '@digitalocean/mcp', { args: () => ['--digitalocean-api-token', 'dummy'] }),
  spec('ytranscript', '@kimtaeyoon83/mcp-server-youtube-transcript'),
  spec('time', 'time-mcp'),
  spec('hevy', 'hevy-mcp', { env: { HEVY_API_KEY: 'dummy', HEVY_MCP_TELEMETRY: 'false' } }),
  spec('ccxt', '@mcpfun/mcp-server-ccxt'),
  spec('mermaid', 'mcp-mermaid'),
  // Writes enabled (the tasks post and reply); no site tethered, so nothing is fetched at start-up.
  spec('discourse', '@discourse/mcp', { args: () => ['--allow_writes', 'true'] }),
  spec('neon', '@neondatabase/mcp-server-neon', { args: () => ['start', 'napi_dummy'] }),
  spec('line', '@line/line-bot-mcp-server', {
    env: { CHANNEL_ACCESS_TOKEN: 'dummy', DESTINATION_USER_ID: 'U00000000000000000000000000000000' },
  }),
  spec('monday', '@mondaydotcomorg/monday-api-mcp', { args: () => ['--token', 'dummy'] }),
  spec('resend', '@skanda-yutori/mcp-send-email', {
    env: { RESEND_API_KEY: 're_dummy', SENDER_EMAIL_ADDRESS: 'noreply@example.com' },
  }),
  spec('gsheets', 'mcp-gsheets', {
    env: { GOOGLE_PROJECT_ID: 'dummy', GOOGLE_APPLICATION_CREDENTIALS: 'service-account.json' },
    files: {
      'service-account.json': {
        type: 'service_account',
        project_id: 'dummy',
        private_key_id: 'dummy',
        client_email: 'dummy@dummy.iam.gserviceaccount.com',
        client_id: '0',
        token_uri: 'https://oauth2.googleapis.com/token',
      },
    },
  }),
  spec('reddit', 'reddit-mcp-buddy'),
  spec('flightradar', 'flightradar-mcp-server', { env: { AVIATIONSTACK_API_KEY: 'dummy' } }),
  spec('teams', '@floriscornel/teams-mcp'),
  spec('bitbucket', '@nexus2520/bitbucket-mcp-server', {
    env: { BITBUCKET_USERNAME: 'dummy', BITBUCKET_APP_PASSWORD: 'dummy', BITBUCKET_TOKEN: 'dummy' },
  }),
  spec('searxng', 'mcp-searxng', { env: { SEARXNG_URL: NOWHERE } }),
  spec('eslint', '@eslint/mcp'),
  spec('figma', 'figma-developer-mcp', { args: () => ['--stdio', '--figma-api-key=dummy'] }),
  spec('xero', '@xeroapi/xero-mcp-server', { env: { XERO_CLIENT_BEARER_TOKEN: 'dummy' } }),
  spec('rollbar', '@rollbar/mcp-server', { env: { ROLLBAR_ACCESS_TOKEN: 'dummy' } }),
  spec('attio', 'attio-mcp-server', { env: { ATTIO_API_KEY: 'dummy' } }),
  spec('sonarqube', 'sonarqube-mcp-server', { env: { SONARQUBE_URL: NOWHERE, SONARQUBE_TOKEN: 'dummy' } }),
  spec('email', '@codefuturist/email-mcp', {
    args: () => ['stdio'],
    env: {
      MCP_EMAIL_ADDRESS: 'dummy@example.com',
      MCP_EMAIL_USERNAME: 'dummy',
      MCP_EMAIL_PASSWORD: 'dummy',
      MCP_EMAIL_IMAP_HOST: '127.0.0.1',
      MCP_EMAIL_IMAP_PORT: '9',
      MCP_EMAIL_SMTP_HOST: '127.0.0.1',
      MCP_EMAIL_SMTP_PORT: '9',
    },
  }),
  spec('gcs', '@google-cloud/storage-mcp', { env: { GOOGLE_CLOUD_PROJECT: 'dummy' } }),
  spec('plane', '@makeplane/plane-mcp-server', {
    env: { PLANE_API_KEY: 'dummy', PLANE_API_HOST_URL: NOWHERE, PLANE_WORKSPACE_SLUG: 'dummy' },
  }),
  spec('youtube', 'youtube-data-mcp-server', { env: { YOUTUBE_API_KEY: 'dummy' } }),
  spec('lighthouse', '@danielsogl/lighthouse-mcp'),
];
