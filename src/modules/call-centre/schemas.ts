import { Type } from '@sinclair/typebox';
import { compile, sometimesRequired } from '../../http/validation.js';

export const DEFAULT_CANCEL_REASONS = ['too_expensive', 'not_interested', 'ordered_elsewhere', 'fake_order', 'unreachable', 'other'];

/**
 * PATCH /settings/call-centre: any of the four settings (bounds: docs/call-centre.md). A number has
 * no "unset": left out it keeps its value; sent empty or null it is required (never kept silently).
 */
export const SettingsPatch = Type.Object({
  max_attempts: sometimesRequired(Type.Integer({ minimum: 1, maximum: 100 })),
  claim_minutes: sometimesRequired(Type.Integer({ minimum: 1, maximum: 1440 })),
  duplicate_window_days: sometimesRequired(Type.Integer({ minimum: 0, maximum: 365 })),
  cancel_reasons: sometimesRequired(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50 })),
});
export const settingsPatch = compile(SettingsPatch);
