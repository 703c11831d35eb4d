import { monotonicFactory } from 'ulidx';

/** ULIDs, monotonic within a millisecond so that rows created together keep their order. */
export const newId = monotonicFactory();
