// Imported before uvu: its suites then queue instead of running themselves, so several suites run
// in one process, in the order suites-for-mutant.ts imports them (as uvu's own CLI does).
;(globalThis as { UVU_DEFER?: number }).UVU_DEFER = 1
