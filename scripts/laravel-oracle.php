<?php
// What Laravel's own validator answers, to check codops' answers against (not run by the tests).
//   apt-get install php-cli php-mbstring php-illuminate-validation php-illuminate-translation
//   echo '{"rules":{"leads":"required|array|min:1"},"skus":["P1"],"bodies":["{\"leads\":[]}"]}' | php scripts/laravel-oracle.php
// Input: `rules` as a FormRequest's, the SKUs `exists:products,sku` finds, the bodies as JSON text;
// output: one line per body, "valid" or the 422 body. Debian ships Illuminate 8, whose rules behave
// as Laravel 10's for api-v1.md's; the messages are Laravel 10's, and the request middleware
// (TrimStrings, ConvertEmptyStringsToNull) runs first.
require '/usr/share/php/Illuminate/Validation/autoload.php';
require '/usr/share/php/Illuminate/Translation/autoload.php';

use Illuminate\Translation\ArrayLoader;
use Illuminate\Translation\Translator;
use Illuminate\Validation\Factory;
use Illuminate\Validation\PresenceVerifierInterface;

class Presence implements PresenceVerifierInterface {
    public function __construct(private array $known) {}
    public function getCount($collection, $column, $value, $excludeId = null, $idColumn = null, array $extra = []) {
        return in_array($value, $this->known, true) ? 1 : 0;
    }
    public function getMultiCount($collection, $column, array $values, array $extra = []) {
        return count(array_filter(array_unique($values), fn ($v) => in_array($v, $this->known, true)));
    }
}

$lines = [ // Laravel 10's lang/en/validation.php
    'required' => 'The :attribute field is required.',
    'string' => 'The :attribute field must be a string.',
    'numeric' => 'The :attribute field must be a number.',
    'integer' => 'The :attribute field must be an integer.',
    'boolean' => 'The :attribute field must be true or false.',
    'array' => 'The :attribute field must be an array.',
    'email' => 'The :attribute field must be a valid email address.',
    'date' => 'The :attribute field must be a valid date.',
    'in' => 'The selected :attribute is invalid.',
    'exists' => 'The selected :attribute is invalid.',
    'min' => ['array' => 'The :attribute field must have at least :min items.', 'numeric' => 'The :attribute field must be at least :min.', 'string' => 'The :attribute field must be at least :min characters.'],
    'max' => ['array' => 'The :attribute field must not have more than :max items.', 'numeric' => 'The :attribute field must not be greater than :max.', 'string' => 'The :attribute field must not be greater than :max characters.'],
];
$loader = new ArrayLoader();
$loader->addMessages('en', 'validation', $lines);
$factory = new Factory(new Translator($loader, 'en'));

function clean($v) { // TrimStrings + ConvertEmptyStringsToNull
    if (is_array($v)) return array_map('clean', $v);
    if (is_string($v)) { $v = preg_replace('~^[\s\x{FEFF}\x{200B}]+|[\s\x{FEFF}\x{200B}]+$~u', '', $v) ?? trim($v); return $v === '' ? null : $v; }
    return $v;
}

$in = json_decode(stream_get_contents(STDIN), true);
$factory->setPresenceVerifier(new Presence($in['skus'] ?? []));
foreach ($in['bodies'] as $json) {
    $data = json_decode($json, true);
    if (!is_array($data)) $data = [];
    $v = $factory->make(clean($data), $in['rules']);
    echo json_encode($v->fails() ? ['message' => 'The given data was invalid.', 'errors' => $v->errors()->toArray()] : 'valid', JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}
