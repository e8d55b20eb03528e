/** Phrases rewritten before tokenising the request; literal URLs and file names become what they are. */
export const PHRASES: ReadonlyArray<[RegExp, string]> = [
  [/\bhttps?:\/\/\S+/g, ' url '],
  [
    /[\w./-]*\w\.(?:json|ya?ml|toml|txt|md|csv|log|pdf|png|jpe?g|gif|svg|html?|xml|py|ts|sh|sql|zip|docx?|xlsx?)\b/g,
    '$& file',
  ],
];

/**
 * Task vocabulary → the words tool APIs usually use for it: the CRUD verbs, and abbreviations and
 * nouns that developer tools share. General entries only, none for a single request.
 */
export const SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>(
  Object.entries({
    remove: ['delete'],
    erase: ['delete'],
    drop: ['delete'],
    find: ['search'],
    lookup: ['search'],
    locate: ['search'],
    fetch: ['get'],
    retrieve: ['get'],
    show: ['get', 'list'],
    display: ['get'],
    view: ['get'],
    read: ['get'],
    make: ['create'],
    new: ['create'],
    add: ['create'],
    execute: ['run'],
    trigger: ['run'],
    change: ['update'],
    modify: ['update'],
    edit: ['update'],
    set: ['update'],
    last: ['recent', 'latest'],
    latest: ['recent'],
    newest: ['recent', 'latest'],
    picture: ['image'],
    photo: ['image'],
    folder: ['directory'],
    dir: ['directory'],
    pr: ['pull request'],
    prs: ['pull request'],
    mr: ['merge request'],
    repo: ['repository'],
    repos: ['repository'],
    db: ['database'],
    bug: ['issue'],
    ticket: ['issue'],
    settings: ['config'],
    configuration: ['config'],
    preferences: ['config'],
  }),
);
