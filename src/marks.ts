// Performance marks the page sets (performance.mark), so tools can time it from the navigation's
// start without polling: npm run bench and the e2e tests read them.

/** Set each time the playground becomes Docker-ready. */
export const READY_MARK = "dockyard-ready";
