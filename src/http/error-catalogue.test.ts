import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nothingDeleted } from './errors.js';

test('a bulk delete refused as a whole: each refusal, then "Nothing was deleted."', () => {
  assert.equal(
    nothingDeleted(['The city Fes is used by 2 areas and cannot be deleted.', 'The city Rabat is used by 1 area and cannot be deleted.']),
    'The city Fes is used by 2 areas and cannot be deleted. The city Rabat is used by 1 area and cannot be deleted. Nothing was deleted.',
  );
});
