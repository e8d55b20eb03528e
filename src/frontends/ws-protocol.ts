/** What the WebSocket frontend and its client transport agree on, kept apart so the client loads nothing else of the gateway. */

/** The notification that tells a WebSocket client its session id (the first frame on every socket). */
export const SESSION_NOTIFICATION = 'notifications/switchboard/session';
