# Portvagt — English messages. Every file in this folder has the same message ids.

## Problem titles
problem-validation = The input is not valid
problem-conflict = The input conflicts with stored data
problem-not-found = Not found
problem-forbidden = Not allowed
problem-unauthenticated = Not logged in
problem-locked = The account is locked
problem-internal = Something went wrong on our side
problem-payload-too-large = The request is too large
problem-unsupported-media-type = The request must be JSON

## Details
detail-not-found = No such record, or one you may not see.
detail-forbidden = Your role does not allow this.
detail-unauthenticated = Give a valid API token as "Authorization: Bearer …".
detail-locked = Too many failed attempts. Try again after { $arg }.
detail-internal = The error was logged. Please try again later.
detail-unsupported-media-type = Send the body with "Content-Type: application/json".

## Field errors ($field is the field, $arg a limit or value)
empty = { $field } must not be empty.
too-long = { $field } is too long: at most { $arg } characters.
control-characters = { $field } contains control characters.
code-format = { $field } may contain only letters, digits, "-", "_" and ".".
email-format = { $field } is not an e-mail address.
phone-format = { $field } is not a phone number (8–15 digits, optionally starting with +).
date-format = { $field } must be a date written YYYY-MM-DD.
timestamp-format = { $field } must be a time in RFC 3339, e.g. 2026-11-23T09:00:00Z.
org-number-format = { $field } must be a CVR number (8 digits) or a Swedish organisation number (10 digits).
cvr-checksum = { $field } is not a valid CVR number: the check digit is wrong.
se-org-number-checksum = { $field } is not a valid Swedish organisation number: the check digit is wrong.
cpr-format = { $field } must be a CPR number written DDMMYY-SSSS.
cpr-date = { $field } is not a valid CPR number: the date does not exist.
personnummer-format = { $field } must be a personnummer written YYMMDD-NNNN or YYYYMMDDNNNN.
personnummer-date = { $field } is not a valid personnummer: the date does not exist.
personnummer-checksum = { $field } is not a valid personnummer: the check digit is wrong.
country = { $field } must be DK or SE.
ends-before-start = { $field } is before the start date.
user-cap-zero = { $field } must allow at least one user.
export-without-dpa = { $field }: data may only leave the municipality under a data processing agreement.
sub-processor-without-dpa = { $field }: sub-processors need a data processing agreement.
duplicate-entry = { $field } appears twice.
list-empty = { $field } must contain at least one entry.
unknown-reference = { $field } refers to a record that does not exist or that you may not see.
inactive-reference = { $field } refers to a deactivated record.
wrong-system = { $field } belongs to another system.
profile-outside-scope = { $field } is a profile of a system that the agreement does not cover.
not-affiliated = { $field }: the person is not affiliated with your supplier.
other-supplier = { $field } belongs to another supplier and cannot be changed here.
substitute-is-head = { $field }: the substitute must be another person than the head.
duplicate-key = A record with this { $field } exists already.
unknown-field = { $field } is not a known field.
missing-field = { $field } is required.
wrong-type = { $field } has the wrong type: { $arg }.
invalid-value = { $field } has an invalid value: { $arg }.
malformed-body = The body is not valid JSON: { $arg }.
body-too-large = The body is larger than { $arg } bytes.
page-past-end = { $field } is past the last page ({ $arg }).
page-size = { $field } must be between 1 and { $arg }.
page-number = { $field } must be 1 or more.
stale-version = The record was changed by someone else; it is now at version { $arg }. Reload it and try again.
role-needs-supplier = { $field } is required for a supplier role.
role-forbids-supplier = { $field } must be empty for a municipal role.
unknown-role = { $field } is not a known role.
password-too-short = { $field } is too short: at least { $arg } characters.
password-too-long = { $field } is too long: at most { $arg } characters.
password-needs-upper = { $field } needs an upper-case letter.
password-needs-lower = { $field } needs a lower-case letter.
password-needs-digit = { $field } needs a digit.
password-forbidden-character = { $field } may not contain "{ $arg }".
password-reused = { $field } must differ from the current password.
password-change-required = The one-time password must be replaced: give { $field }.
already-accepted = { $field } has already accepted this agreement.
unknown-preset = { $field }: there is no policy preset "{ $arg }".

## Deviations of a preset from current guidance (X-6)
deviation-forced-rotation = Passwords must be changed at fixed intervals; current guidance advises against forced rotation.
deviation-composition-rules = Passwords must mix character classes; current guidance prefers length over composition rules.
deviation-short-minimum = The minimum password length is below the 15 characters current guidance asks for single-factor passwords.
deviation-no-breached-check = Passwords are not checked against known breached passwords.

## Requests and accounts
lead-time = { $field }: ordered { $arg } days ahead; the policy requires { $arg2 }. Mark the order urgent with a reason to have it accepted as late.
start-in-past = { $field } is in the past.
agreement-not-active = { $field }: the agreement is not in force for this period (it ends { $arg }).
system-outside-scope = { $field } is not covered by the agreement.
user-cap-reached = { $field }: the agreement allows at most { $arg } accounts in this system.
needs-assessment-missing = { $field }: a sensitive role needs a reference to the documented needs assessment.
attestations-missing = { $field }: the supplier has not attested: { $arg }.
end-after-agreement = { $field } is after the agreement ends ({ $arg }).
not-an-orderer = Only an authorised orderer on the supplier's current list may submit requests.
illegal-transition = This step is not possible for a request or task that is { $arg }.
same-person = The same person cannot request and approve, or give both approvals.
not-your-area = This step belongs to another role or department.
reason-required = { $field }: give a reason.
profile-not-in-job-profile = { $field } is not among the profiles the job profile gives, so it cannot be removed.
no-profiles = { $field }: the request gives no profile in the target system.
account-exists = { $field }: the person already has an account in this system.
account-not-active = { $field }: the account is { $arg }.
outside-emergency-scope = { $field } is outside the emergency scope ({ $arg }).
too-many-local-administrators = { $field }: there may be at most { $arg } local administrators.
username-exhausted = { $field }: no free username is left for this pattern.
period-too-long = { $field }: the period may be at most { $arg } days.
already-signed-off = { $field } is signed off already.
not-ended = { $field }: the engagement has not ended yet (it ends { $arg }).
no-connector = { $field }: no connector is configured for this system.
target-unavailable = { $field }: the target system could not be read: { $arg }.

## Command line
cli-listening = Portvagt is listening on { $url }
cli-docs = API documentation: { $url }
cli-first-run = First run: log in as the administrator with this one-time password, which must be changed at first login:
cli-username = username: { $user }
cli-password = password: { $password }
cli-example = e.g.
cli-shown-once = It is shown only now.
cli-demo-loaded = Loaded demo data for { $name }: { $suppliers } suppliers, { $persons } persons, { $accounts } accounts.
cli-migrated = database schema at version { $to } (was { $from })
cli-healthy = healthy
cli-audit-verified = Audit log: { $size } events, { $checked } checked against the Merkle tree, { $purged } deleted after retention ({ $held } kept under legal hold), { $checkpoints } signed checkpoints.
cli-audit-problems = The audit log is not intact: { $count } problems (listed above).
cli-audit-no-new-events = No new events since the last checkpoint.
cli-audit-imported = Imported { $count } events from number { $first }.
cli-audit-import-refused = The file was refused: { $count } lines are invalid; nothing was stored.
