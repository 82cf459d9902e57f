/**
 * How the dashboard's height is shared out, top to bottom: header (2 lines), a blank, the services
 * table (a heading and a row per service), a blank, the instances table (likewise), a blank, the
 * faults panel, a blank, the bottom pane (event log, log pane or a dialog), the footer. Pure, so
 * the arithmetic is tested without a terminal.
 */

/** What the fixed panes hold this frame. */
export interface PaneContent {
  readonly services: number;
  readonly instances: number;
  readonly faults: number;
  readonly partitions: number;
}

/** The bottom pane never shrinks below this, however little room the tables leave. */
export const MIN_BOTTOM_ROWS = 4;

const HEADER_ROWS = 2;
const FOOTER_ROWS = 1;
/** The blank line above each of the four panes under the header. */
const GAPS = 4;

/** Lines of the faults panel: `faults: none`, else a heading and a line per fault or partition. */
export function faultPanelRows(faults: number, partitions: number): number {
  const listed = faults + partitions;
  return listed === 0 ? 1 : listed + 1;
}

/** Lines the header, tables, faults panel and footer take, gaps included. */
export function fixedRows(content: PaneContent): number {
  return (
    HEADER_ROWS +
    GAPS +
    (content.services + 1) +
    (content.instances + 1) +
    faultPanelRows(content.faults, content.partitions) +
    FOOTER_ROWS
  );
}

/** The bottom pane's height: whatever the rest leaves of `rows`, at least MIN_BOTTOM_ROWS. */
export function bottomPaneRows(rows: number, content: PaneContent): number {
  return Math.max(MIN_BOTTOM_ROWS, rows - fixedRows(content));
}
