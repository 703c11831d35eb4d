// Every module's job kinds, loaded by the server, by `codops worker` and by the app (routes enqueue
// them, the job page names them), so all know the same ones. A module adds its line here.
import './modules/shipping/push.js';
import './modules/shipping/sync.js';
import './modules/spreadsheets/import-kinds.js';
import './modules/spreadsheets/exports.js';
import './modules/stocks/retry-job.js';
