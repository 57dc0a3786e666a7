# Portvagt — svenska texter. Alla filer i den här mappen har samma id:n.

## Problemrubriker
problem-validation = Uppgifterna är inte giltiga
problem-conflict = Uppgifterna strider mot sparade data
problem-not-found = Hittades inte
problem-forbidden = Inte tillåtet
problem-unauthenticated = Inte inloggad
problem-locked = Kontot är spärrat
problem-internal = Ett fel uppstod hos oss
problem-payload-too-large = Förfrågan är för stor
problem-unsupported-media-type = Förfrågan måste vara JSON

## Detaljer
detail-not-found = Posten finns inte, eller så får du inte se den.
detail-forbidden = Din roll ger inte behörighet till detta.
detail-unauthenticated = Ange en giltig API-token som "Authorization: Bearer …".
detail-locked = För många misslyckade försök. Försök igen efter { $arg }.
detail-internal = Felet har loggats. Försök igen senare.
detail-unsupported-media-type = Skicka innehållet med "Content-Type: application/json".

## Fältfel
empty = { $field } får inte vara tomt.
too-long = { $field } är för långt: högst { $arg } tecken.
control-characters = { $field } innehåller kontrolltecken.
code-format = { $field } får bara innehålla bokstäver, siffror, "-", "_" och ".".
email-format = { $field } är inte en e-postadress.
phone-format = { $field } är inte ett telefonnummer (8–15 siffror, ev. med + först).
date-format = { $field } ska vara ett datum skrivet ÅÅÅÅ-MM-DD.
timestamp-format = { $field } ska vara en tidpunkt enligt RFC 3339, t.ex. 2026-11-23T09:00:00Z.
org-number-format = { $field } ska vara ett danskt CVR-nummer (8 siffror) eller ett organisationsnummer (10 siffror).
cvr-checksum = { $field } är inte ett giltigt CVR-nummer: kontrollsiffran är fel.
se-org-number-checksum = { $field } är inte ett giltigt organisationsnummer: kontrollsiffran är fel.
cpr-format = { $field } ska vara ett danskt CPR-nummer skrivet DDMMÅÅ-NNNN.
cpr-date = { $field } är inte ett giltigt CPR-nummer: datumet finns inte.
personnummer-format = { $field } ska vara ett personnummer skrivet ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN.
personnummer-date = { $field } är inte ett giltigt personnummer: datumet finns inte.
personnummer-checksum = { $field } är inte ett giltigt personnummer: kontrollsiffran är fel.
country = { $field } ska vara DK eller SE.
ends-before-start = { $field } ligger före startdatumet.
user-cap-zero = { $field } måste tillåta minst en användare.
export-without-dpa = { $field }: uppgifter får bara lämna kommunen med ett personuppgiftsbiträdesavtal.
sub-processor-without-dpa = { $field }: underbiträden kräver ett personuppgiftsbiträdesavtal.
duplicate-entry = { $field } förekommer två gånger.
list-empty = { $field } måste innehålla minst en post.
unknown-reference = { $field } hänvisar till en post som inte finns eller som du inte får se.
inactive-reference = { $field } hänvisar till en inaktiverad post.
wrong-system = { $field } hör till ett annat system.
profile-outside-scope = { $field } är en profil i ett system som avtalet inte omfattar.
not-affiliated = { $field }: personen är inte knuten till din leverantör.
other-supplier = { $field } tillhör en annan leverantör och kan inte ändras här.
substitute-is-head = { $field }: ersättaren måste vara en annan person än chefen.
duplicate-key = Det finns redan en post med detta { $field }.
unknown-field = { $field } är inte ett känt fält.
missing-field = { $field } måste anges.
wrong-type = { $field } har fel typ: { $arg }.
invalid-value = { $field } har ett ogiltigt värde: { $arg }.
malformed-body = Innehållet är inte giltig JSON: { $arg }.
body-too-large = Innehållet är större än { $arg } byte.
page-past-end = { $field } ligger efter sista sidan ({ $arg }).
page-size = { $field } ska vara mellan 1 och { $arg }.
page-number = { $field } ska vara 1 eller mer.
stale-version = Posten har ändrats av någon annan och är nu i version { $arg }. Hämta den igen och försök på nytt.
role-needs-supplier = { $field } måste anges för en leverantörsroll.
role-forbids-supplier = { $field } ska vara tomt för en kommunal roll.
unknown-role = { $field } är inte en känd roll.
password-too-short = { $field } är för kort: minst { $arg } tecken.
password-too-long = { $field } är för långt: högst { $arg } tecken.
password-needs-upper = { $field } måste innehålla en versal.
password-needs-lower = { $field } måste innehålla en gemen.
password-needs-digit = { $field } måste innehålla en siffra.
password-forbidden-character = { $field } får inte innehålla "{ $arg }".
password-reused = { $field } måste skilja sig från det nuvarande lösenordet.
password-change-required = Engångslösenordet måste bytas: ange { $field }.
already-accepted = { $field } har redan godkänt avtalet.
unknown-preset = { $field }: det finns ingen policymall "{ $arg }".

## Avvikelser från gällande rekommendationer (X-6)
deviation-forced-rotation = Lösenord måste bytas med fasta intervall; gällande rekommendationer avråder från tvingade byten.
deviation-composition-rules = Lösenord måste blanda teckentyper; gällande rekommendationer föredrar längd framför sammansättningskrav.
deviation-short-minimum = Minsta längd är under de 15 tecken som gällande rekommendationer kräver för lösenord utan ytterligare faktor.
deviation-no-breached-check = Lösenord kontrolleras inte mot kända läckta lösenord.

## Beställningar och konton
lead-time = { $field }: beställd { $arg } dagar i förväg; policyn kräver { $arg2 }. Markera beställningen som brådskande med en motivering för att den ska tas emot som sen.
start-in-past = { $field } ligger i det förflutna.
agreement-not-active = { $field }: avtalet gäller inte för perioden (det upphör { $arg }).
system-outside-scope = { $field } omfattas inte av avtalet.
user-cap-reached = { $field }: avtalet tillåter högst { $arg } konton i detta system.
needs-assessment-missing = { $field }: en känslig roll kräver en hänvisning till den dokumenterade behovs- och riskanalysen.
attestations-missing = { $field }: leverantören har inte intygat: { $arg }.
end-after-agreement = { $field } ligger efter avtalets slut ({ $arg }).
not-an-orderer = Endast en behörig beställare på leverantörens aktuella lista får skicka beställningar.
illegal-transition = Detta steg är inte möjligt för en beställning eller uppgift som är { $arg }.
same-person = Samma person kan inte både beställa och godkänna eller ge båda godkännandena.
not-your-area = Detta steg hör till en annan roll eller enhet.
reason-required = { $field }: ange en motivering.
profile-not-in-job-profile = { $field } är inte bland befattningsprofilens profiler och kan därför inte tas bort.
no-profiles = { $field }: beställningen ger ingen profil i målsystemet.
account-exists = { $field }: personen har redan ett konto i detta system.
account-not-active = { $field }: kontot är { $arg }.
outside-emergency-scope = { $field } ligger utanför nödåtkomstens omfattning ({ $arg }).
too-many-local-administrators = { $field }: det får finnas högst { $arg } lokala administratörer.
username-exhausted = { $field }: inget ledigt användarnamn finns kvar enligt detta mönster.
period-too-long = { $field }: perioden får vara högst { $arg } dagar.
already-signed-off = { $field } är redan attesterat.
not-ended = { $field }: uppdraget har inte avslutats ännu (det slutar { $arg }).
no-connector = { $field }: ingen connector är konfigurerad för detta system.
target-unavailable = { $field }: målsystemet kunde inte läsas: { $arg }.

## Kommandoraden
cli-listening = Portvagt lyssnar på { $url }
cli-docs = API-dokumentation: { $url }
cli-first-run = Första start: logga in som administratör med detta engångslösenord, som måste bytas vid första inloggningen:
cli-username = användarnamn: { $user }
cli-password = lösenord: { $password }
cli-example = t.ex.
cli-shown-once = Det visas bara nu.
cli-demo-loaded = Demodata för { $name } inläst: { $suppliers } leverantörer, { $persons } personer, { $accounts } konton.
cli-migrated = databasschema i version { $to } (var { $from })
cli-healthy = frisk
cli-audit-verified = Granskningsloggen: { $size } händelser, { $checked } kontrollerade mot Merkle-trädet, { $purged } gallrade efter lagringstiden ({ $held } kvarhållna), { $checkpoints } signerade kontrollpunkter.
cli-audit-problems = Granskningsloggen är inte intakt: { $count } fynd (se ovan).
cli-audit-no-new-events = Inga nya händelser sedan senaste kontrollpunkten.
cli-audit-imported = { $count } händelser importerade från nr { $first }.
cli-audit-import-refused = Filen avvisades: { $count } rader är ogiltiga; inget har sparats.
