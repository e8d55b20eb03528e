/**
 * The held-out (test) servers of the discovery evaluation: chosen and given tasks by someone who saw
 * only each package's name and npm summary (never its tools), captured into
 * `test/discovery/fixtures-test/` by `npx tsx scripts/capture-catalogs.ts --set test /tmp/mcp-capture-blind`.
 *
 * Install them outside the repo first:
 *
 *   PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix /tmp/mcp-capture-blind --ignore-scripts \
 *     chrome-devtools-mcp @supabase/mcp-server-supabase @stripe/mcp @winor30/mcp-server-datadog \
 *     @bytebase/dbhub @hubspot/mcp-server @shortcut/mcp @aashari/mcp-server-atlassian-jira exa-mcp-server \
 *     mcp-server-kubernetes @heroku/mcp-server @cyanheads/git-mcp-server airtable-mcp-server \
 *     @softeria/ms-365-mcp-server @cocal/google-calendar-mcp @antv/mcp-server-chart \
 *     @openbnb/mcp-server-airbnb @roychri/mcp-server-asana @elastic/mcp-server-elasticsearch \
 *     @sylphx/pdf-reader-mcp mcp-discord @azure-devops/mcp obsidian-mcp-server open-meteo-mcp-server \
 *     @pinecone-database/mcp linear-mcp todoist-mcp @cyanheads/pubmed-mcp-server
 *
 * Three need more: better-sqlite3 (dbhub) and keytar (azuredevops, after `apt-get install libsecret-1-dev`)
 * are built with `npm rebuild better-sqlite3 keytar --nodedir=/usr` in that prefix, and @heroku/mcp-server
 * gets a prefix of its own. supabase, stripe, heroku and obsidian could not be captured here (see
 * fixtures-test/requests.json for why); their tasks are kept there, marked dropped.
 *
 * Credentials are dummies: tools/list needs none, and nothing here reaches a live service.
 */
import type { ServerSpec } from './capture-catalogs.js';

/** The blind test servers, by the short names their tasks use. */
export const TEST_SERVERS: ServerSpec[] = [
  { server: 'chromedevtools', package: 'chrome-devtools-mcp' },
  {
    server: 'supabase',
    package: '@supabase/mcp-server-supabase',
    args: () => ['--access-token=dummy'],
  },
  { server: 'stripe', package: '@stripe/mcp', args: () => ['--tools=all', '--api-key=sk_test_dummy'] },
  {
    server: 'datadog',
    package: '@winor30/mcp-server-datadog',
    env: { DATADOG_API_KEY: 'dummy', DATADOG_APP_KEY: 'dummy' },
  },
  { server: 'dbhub', package: '@bytebase/dbhub', args: () => ['--transport=stdio', '--demo'] },
  { server: 'hubspot', package: '@hubspot/mcp-server', env: { PRIVATE_APP_ACCESS_TOKEN: 'dummy' } },
  { server: 'shortcut', package: '@shortcut/mcp', env: { SHORTCUT_API_TOKEN: 'dummy' } },
  {
    server: 'jira',
    package: '@aashari/mcp-server-atlassian-jira',
    env: { ATLASSIAN_SITE_NAME: 'dummy', ATLASSIAN_USER_EMAIL: 'a@b.c', ATLASSIAN_API_TOKEN: 'dummy' },
  },
  { server: 'exa', package: 'exa-mcp-server', env: { EXA_API_KEY: 'dummy' } },
  { server: 'kubernetes', package: 'mcp-server-kubernetes' },
  {
    server: 'heroku',
    package: '@heroku/mcp-server',
    prefix: '/tmp/mcp-blind-heroku',
    env: { HEROKU_API_KEY: 'dummy' },
  },
  { server: 'git', package: '@cyanheads/git-mcp-server', env: { MCP_TRANSPORT_TYPE: 'stdio' } },
  { server: 'airtable', package: 'airtable-mcp-server', env: { AIRTABLE_API_KEY: 'patdummy' } },
  { server: 'ms365', package: '@softeria/ms-365-mcp-server' },
  {
    server: 'googlecalendar',
    package: '@cocal/google-calendar-mcp',
    env: { GOOGLE_OAUTH_CREDENTIALS: 'gcp-oauth.keys.json' },
    files: {
      'gcp-oauth.keys.json': {
        installed: { client_id: 'x', client_secret: 'y', redirect_uris: ['http://localhost'] },
      },
    },
  },
  { server: 'antvchart', package: '@antv/mcp-server-chart' },
  { server: 'airbnb', package: '@openbnb/mcp-server-airbnb' },
  { server: 'asana', package: '@roychri/mcp-server-asana', env: { ASANA_ACCESS_TOKEN: 'dummy' } },
  {
    server: 'elasticsearch',
    package: '@elastic/mcp-server-elasticsearch',
    env: { ES_URL: 'http://127.0.0.1:9', ES_API_KEY: 'dummy' },
  },
  { server: 'pdfreader', package: '@sylphx/pdf-reader-mcp' },
  { server: 'discord', package: 'mcp-discord', env: { DISCORD_TOKEN: 'dummy' } },
  { server: 'azuredevops', package: '@azure-devops/mcp', args: () => ['dummy-org'] },
  {
    server: 'obsidian',
    package: 'obsidian-mcp-server',
    env: { OBSIDIAN_API_KEY: 'dummy', OBSIDIAN_BASE_URL: 'http://127.0.0.1:9', MCP_TRANSPORT_TYPE: 'stdio' },
  },
  { server: 'openmeteo', package: 'open-meteo-mcp-server' },
  { server: 'pinecone', package: '@pinecone-database/mcp' },
  {
    server: 'linear',
    package: 'linear-mcp',
    entry: 'build/index.js',
    env: { LINEAR_API_KEY: 'lin_api_dummy' },
  },
  { server: 'todoist', package: 'todoist-mcp', env: { API_KEY: 'dummy' } },
  { server: 'pubmed', package: '@cyanheads/pubmed-mcp-server', env: { MCP_TRANSPORT_TYPE: 'stdio' } },
];
