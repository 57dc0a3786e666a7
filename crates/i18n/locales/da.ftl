# Portvagt — danske tekster. Alle filer i denne mappe har de samme id'er.

## Problemtitler
problem-validation = Indtastningen er ikke gyldig
problem-conflict = Indtastningen strider mod gemte data
problem-not-found = Ikke fundet
problem-forbidden = Ikke tilladt
problem-unauthenticated = Ikke logget ind
problem-locked = Kontoen er spærret
problem-internal = Der opstod en fejl hos os
problem-payload-too-large = Forespørgslen er for stor
problem-unsupported-media-type = Forespørgslen skal være JSON

## Detaljer
detail-not-found = Posten findes ikke, eller du må ikke se den.
detail-forbidden = Din rolle giver ikke adgang til dette.
detail-unauthenticated = Angiv et gyldigt API-token som "Authorization: Bearer …".
detail-locked = For mange mislykkede forsøg. Prøv igen efter { $arg }.
detail-internal = Fejlen er logget. Prøv igen senere.
detail-unsupported-media-type = Send indholdet med "Content-Type: application/json".

## Feltfejl
empty = { $field } må ikke være tomt.
too-long = { $field } er for langt: højst { $arg } tegn.
control-characters = { $field } indeholder kontroltegn.
code-format = { $field } må kun indeholde bogstaver, tal, "-", "_" og ".".
email-format = { $field } er ikke en e-mailadresse.
phone-format = { $field } er ikke et telefonnummer (8–15 cifre, evt. med + foran).
date-format = { $field } skal være en dato skrevet ÅÅÅÅ-MM-DD.
timestamp-format = { $field } skal være et tidspunkt efter RFC 3339, f.eks. 2026-11-23T09:00:00Z.
org-number-format = { $field } skal være et CVR-nummer (8 cifre) eller et svensk organisationsnummer (10 cifre).
cvr-checksum = { $field } er ikke et gyldigt CVR-nummer: kontrolcifferet er forkert.
se-org-number-checksum = { $field } er ikke et gyldigt svensk organisationsnummer: kontrolcifferet er forkert.
cpr-format = { $field } skal være et CPR-nummer skrevet DDMMÅÅ-LLLL.
cpr-date = { $field } er ikke et gyldigt CPR-nummer: datoen findes ikke.
personnummer-format = { $field } skal være et svensk personnummer skrevet ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN.
personnummer-date = { $field } er ikke et gyldigt personnummer: datoen findes ikke.
personnummer-checksum = { $field } er ikke et gyldigt personnummer: kontrolcifferet er forkert.
country = { $field } skal være DK eller SE.
ends-before-start = { $field } ligger før startdatoen.
user-cap-zero = { $field } skal tillade mindst én bruger.
export-without-dpa = { $field }: data må kun forlade kommunen, når der er en databehandleraftale.
sub-processor-without-dpa = { $field }: underdatabehandlere kræver en databehandleraftale.
duplicate-entry = { $field } står der to gange.
list-empty = { $field } skal indeholde mindst ét element.
unknown-reference = { $field } henviser til en post, der ikke findes, eller som du ikke må se.
inactive-reference = { $field } henviser til en deaktiveret post.
wrong-system = { $field } hører til et andet system.
profile-outside-scope = { $field } er en profil i et system, som aftalen ikke omfatter.
not-affiliated = { $field }: personen er ikke tilknyttet din leverandør.
other-supplier = { $field } tilhører en anden leverandør og kan ikke ændres her.
substitute-is-head = { $field }: stedfortræderen skal være en anden end lederen.
duplicate-key = Der findes allerede en post med dette { $field }.
unknown-field = { $field } er ikke et kendt felt.
missing-field = { $field } skal udfyldes.
wrong-type = { $field } har forkert type: { $arg }.
invalid-value = { $field } har en ugyldig værdi: { $arg }.
malformed-body = Indholdet er ikke gyldig JSON: { $arg }.
body-too-large = Indholdet er større end { $arg } byte.
page-past-end = { $field } ligger efter sidste side ({ $arg }).
page-size = { $field } skal være mellem 1 og { $arg }.
page-number = { $field } skal være 1 eller mere.
stale-version = Posten er ændret af en anden og er nu i version { $arg }. Hent den igen, og prøv igen.
role-needs-supplier = { $field } skal udfyldes for en leverandørrolle.
role-forbids-supplier = { $field } skal være tomt for en kommunal rolle.
unknown-role = { $field } er ikke en kendt rolle.
password-too-short = { $field } er for kort: mindst { $arg } tegn.
password-too-long = { $field } er for langt: højst { $arg } tegn.
password-needs-upper = { $field } skal indeholde et stort bogstav.
password-needs-lower = { $field } skal indeholde et lille bogstav.
password-needs-digit = { $field } skal indeholde et tal.
password-forbidden-character = { $field } må ikke indeholde "{ $arg }".
password-reused = { $field } skal være forskellig fra den nuværende adgangskode.
password-change-required = Engangsadgangskoden skal skiftes: angiv { $field }.
already-accepted = { $field } har allerede accepteret aftalen.
unknown-preset = { $field }: der findes ingen politikskabelon "{ $arg }".

## Afvigelser fra gældende anbefalinger (X-6)
deviation-forced-rotation = Adgangskoder skal skiftes med faste mellemrum; gældende anbefalinger fraråder tvungne skift.
deviation-composition-rules = Adgangskoder skal blande tegntyper; gældende anbefalinger foretrækker længde frem for sammensætningskrav.
deviation-short-minimum = Minimumslængden er under de 15 tegn, som gældende anbefalinger kræver for adgangskoder uden anden faktor.
deviation-no-breached-check = Adgangskoder kontrolleres ikke mod kendte lækkede adgangskoder.

## Anmodninger og konti
lead-time = { $field }: bestilt { $arg } dage før; politikken kræver { $arg2 }. Markér bestillingen som hastende med en begrundelse, så den modtages som forsinket.
start-in-past = { $field } ligger i fortiden.
agreement-not-active = { $field }: aftalen gælder ikke i perioden (den udløber { $arg }).
system-outside-scope = { $field } er ikke omfattet af aftalen.
user-cap-reached = { $field }: aftalen tillader højst { $arg } konti i dette system.
needs-assessment-missing = { $field }: en følsom rolle kræver en henvisning til den dokumenterede behovsvurdering.
attestations-missing = { $field }: leverandøren har ikke bekræftet: { $arg }.
end-after-agreement = { $field } ligger efter aftalens udløb ({ $arg }).
not-an-orderer = Kun en autoriseret bestiller på leverandørens aktuelle liste kan indsende anmodninger.
illegal-transition = Dette trin er ikke muligt for en anmodning eller opgave, der er { $arg }.
same-person = Den samme person kan ikke både anmode og godkende eller give begge godkendelser.
not-your-area = Dette trin hører til en anden rolle eller afdeling.
reason-required = { $field }: angiv en begrundelse.
profile-not-in-job-profile = { $field } er ikke blandt jobprofilens profiler og kan derfor ikke fjernes.
no-profiles = { $field }: anmodningen giver ingen profil i målsystemet.
account-exists = { $field }: personen har allerede en konto i dette system.
account-not-active = { $field }: kontoen er { $arg }.
outside-emergency-scope = { $field } ligger uden for nødadgangens omfang ({ $arg }).
too-many-local-administrators = { $field }: der må højst være { $arg } lokale administratorer.
username-exhausted = { $field }: der er intet ledigt brugernavn tilbage efter dette mønster.
period-too-long = { $field }: perioden må højst være { $arg } dage.
already-signed-off = { $field } er allerede godkendt.
not-ended = { $field }: opgaven er ikke afsluttet endnu (den slutter { $arg }).
no-connector = { $field }: der er ingen connector opsat for dette system.
target-unavailable = { $field }: målsystemet kunne ikke læses: { $arg }.

## Kommandolinjen
cli-listening = Portvagt lytter på { $url }
cli-docs = API-dokumentation: { $url }
cli-first-run = Første start: log ind som administrator med denne engangsadgangskode, som skal skiftes ved første login:
cli-username = brugernavn: { $user }
cli-password = adgangskode: { $password }
cli-example = f.eks.
cli-shown-once = Den vises kun nu.
cli-demo-loaded = Demodata for { $name } indlæst: { $suppliers } leverandører, { $persons } personer, { $accounts } konti.
cli-migrated = databaseskema i version { $to } (var { $from })
cli-healthy = sund
cli-audit-verified = Auditloggen: { $size } hændelser, { $checked } kontrolleret mod Merkle-træet, { $purged } slettet efter opbevaringsperioden ({ $held } holdt tilbage), { $checkpoints } signerede kontrolpunkter.
cli-audit-problems = Auditloggen er ikke intakt: { $count } fund (se ovenfor).
cli-audit-no-new-events = Ingen nye hændelser siden seneste kontrolpunkt.
cli-audit-imported = { $count } hændelser importeret fra nr. { $first }.
cli-audit-import-refused = Filen blev afvist: { $count } linjer er ugyldige; intet er gemt.
