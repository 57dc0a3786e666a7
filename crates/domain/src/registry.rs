//! The registry: municipality, departments, suppliers and their orderers, persons,
//! agreements, target systems, roles, profiles and job profiles (ORG-*, AGR-1..5, SYS-*).
//!
//! Each record type implements [`Record`]: what makes it unique, which suppliers own it
//! (tenant isolation), which other records it refers to, and the rules that look across
//! fields and across records. The application layer runs those rules; the store keeps the
//! record as validated JSON beside relational keys, owners and references.

use crate::authz::{Actor, ResourceKind};
use crate::codes;
use crate::error::FieldError;
use crate::ident::{NationalId, OrgNumber};
use crate::text::{Code, Email, Name, Phone, Text};
use crate::time::{Date, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A reference from one record to another, with the input field that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub field: String,
    pub kind: ResourceKind,
    pub id: Uuid,
}

impl Reference {
    fn new(field: impl Into<String>, kind: ResourceKind, id: Uuid) -> Self {
        Self { field: field.into(), kind, id }
    }
}

/// Referenced records, loaded by the application layer, for rules across records.
#[derive(Debug, Default)]
pub struct RefView {
    entries: HashMap<Uuid, serde_json::Value>,
}

impl RefView {
    pub fn insert(&mut self, id: Uuid, body: serde_json::Value) {
        self.entries.insert(id, body);
    }
    pub fn get<T: Record>(&self, id: Uuid) -> Option<T> {
        self.entries.get(&id).and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}

/// A registry record type.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: ResourceKind;
    /// Display name, used for sorting and the `q` filter.
    fn display_name(&self) -> String;
    /// The field and key that must be unique among records of this kind.
    fn unique_key(&self) -> Option<(&'static str, String)> {
        None
    }
    /// Suppliers owning the record (tenant isolation). `id` is the record's own id.
    fn owners(&self, _id: Uuid) -> Vec<Uuid> {
        Vec::new()
    }
    /// Records this one refers to; each must exist, be active and be visible to the actor.
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }
    /// Rules across the record's own fields.
    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }
    /// Rules across records, given the referenced ones; may fill derived fields.
    fn check_references(&mut self, _refs: &RefView) -> Result<(), FieldError> {
        Ok(())
    }
    /// Fields that callers cannot set are taken from the stored version (or reset on
    /// create).
    fn carry_over(&mut self, _old: Option<&Self>) {}
    /// What a supplier's actor may change: by default nothing outside their own supplier.
    fn supplier_may_change(old: &Self, new: &Self, id: Uuid, supplier: Uuid) -> Result<(), FieldError> {
        let own = vec![supplier];
        if old.owners(id) != own || new.owners(id) != own {
            return Err(FieldError::new("supplier_id", codes::OTHER_SUPPLIER));
        }
        Ok(())
    }
    /// The national identity number to store encrypted, taken out of the record.
    fn take_national_id(&mut self) -> Option<NationalId> {
        None
    }
}

fn no_duplicates<T: Ord + Clone>(items: &[T], field: &str) -> Result<(), FieldError> {
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item.clone()) {
            return Err(FieldError::new(format!("{field}[{i}]"), codes::DUPLICATE_ENTRY));
        }
    }
    Ok(())
}

fn not_empty<T>(items: &[T], field: &str) -> Result<(), FieldError> {
    if items.is_empty() { Err(FieldError::new(field, codes::LIST_EMPTY)) } else { Ok(()) }
}

/// A contact: a named person or function with e-mail and phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Contact {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

/// ORG-1: the municipality's profile and contacts, and the policy preset in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Municipality {
    pub name: Name,
    pub org_number: OrgNumber,
    /// Data protection officer (databeskyttelsesrådgiver).
    pub dpo: Contact,
    /// The secretariat handling activation (V p.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secretariat: Option<Contact>,
    /// The service desk for connection problems (V p.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_desk: Option<Contact>,
    /// Identifier of the policy preset in force (`taarnby`, `viborg`, `ostra-goinge`).
    pub policy_preset: Code,
}

/// The fixed id of the one municipality profile.
pub const MUNICIPALITY_ID: Uuid = Uuid::from_u128(1);

impl Record for Municipality {
    const KIND: ResourceKind = ResourceKind::Municipality;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("name", "the-municipality".into()))
    }
}

/// ORG-2: a department or unit (afdeling) with its head and substitute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Department {
    pub name: Name,
    pub code: Code,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<Contact>,
    /// Takes over security duties during the head's long absence (T p.61).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute: Option<Contact>,
}

impl Record for Department {
    const KIND: ResourceKind = ResourceKind::Department;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("code", self.code.to_string()))
    }
    fn validate(&self) -> Result<(), FieldError> {
        if let (Some(h), Some(s)) = (&self.head, &self.substitute)
            && h.email.is_some()
            && h.email == s.email
        {
            return Err(FieldError::new("substitute.email", codes::SUBSTITUTE_IS_HEAD));
        }
        Ok(())
    }
}

/// ORG-3: a supplier (leverantör / leverandør) with its organisation number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Supplier {
    pub name: Name,
    /// CVR (8 digits) or Swedish organisation number (10 digits).
    pub org_number: OrgNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

impl Record for Supplier {
    const KIND: ResourceKind = ResourceKind::Supplier;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("org_number", self.org_number.key()))
    }
    fn owners(&self, id: Uuid) -> Vec<Uuid> {
        vec![id]
    }
}

/// ORG-3: an authorised orderer (behörig beställare) on a supplier's current list.
/// Only listed orderers may submit requests for the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Orderer {
    pub supplier_id: Uuid,
    pub person_id: Uuid,
    pub valid_from: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
    /// Derived: the person's name, for lists.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub person_name: String,
}

impl Orderer {
    /// ORG-3: whether this entry puts `person` on the supplier's list on `day`.
    pub fn lists(&self, person: Uuid, day: Date) -> bool {
        self.person_id == person && self.valid_from <= day && self.valid_to.is_none_or(|t| t >= day)
    }
}

impl Record for Orderer {
    const KIND: ResourceKind = ResourceKind::Orderer;
    fn display_name(&self) -> String {
        self.person_name.clone()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("person_id", format!("{}/{}", self.supplier_id, self.person_id)))
    }
    fn owners(&self, _id: Uuid) -> Vec<Uuid> {
        vec![self.supplier_id]
    }
    fn references(&self) -> Vec<Reference> {
        vec![
            Reference::new("supplier_id", ResourceKind::Supplier, self.supplier_id),
            Reference::new("person_id", ResourceKind::Person, self.person_id),
        ]
    }
    fn validate(&self) -> Result<(), FieldError> {
        match self.valid_to {
            Some(to) if to < self.valid_from => Err(FieldError::new("valid_to", codes::ENDS_BEFORE_START)),
            _ => Ok(()),
        }
    }
    fn check_references(&mut self, refs: &RefView) -> Result<(), FieldError> {
        let person: Person = refs.get(self.person_id).ok_or(FieldError::new("person_id", codes::UNKNOWN_REFERENCE))?;
        if !person.affiliations.iter().any(|a| a.supplier_id == self.supplier_id) {
            return Err(FieldError::new("person_id", codes::NOT_AFFILIATED));
        }
        self.person_name = person.name.to_string();
        Ok(())
    }
}

/// A person's employment with a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Affiliation {
    pub supplier_id: Uuid,
    pub from: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
    /// The supplier's employee number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_ref: Option<Name>,
}

/// ORG-4: a person — supplier staff, or a municipal employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Person {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default)]
    pub affiliations: Vec<Affiliation>,
    /// CPR number or personnummer, typed as people write it (`010190-1234`,
    /// `0101901234`, `19121212-1212`). Write-only: stored encrypted, never returned; leave
    /// it out of an update to keep the stored one.
    #[serde(default, skip_serializing_if = "never_shown")]
    #[cfg_attr(feature = "openapi", schema(write_only))]
    pub national_id: Option<NationalId>,
    /// Whether a national identity number is stored for the person.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub national_id_on_file: bool,
}

/// A national identity number is never serialised back (it is stored sealed).
fn never_shown<T>(_: &T) -> bool {
    true
}

impl Record for Person {
    const KIND: ResourceKind = ResourceKind::Person;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn owners(&self, _id: Uuid) -> Vec<Uuid> {
        let set: BTreeSet<Uuid> = self.affiliations.iter().map(|a| a.supplier_id).collect();
        set.into_iter().collect()
    }
    fn references(&self) -> Vec<Reference> {
        self.affiliations
            .iter()
            .enumerate()
            .map(|(i, a)| Reference::new(format!("affiliations[{i}].supplier_id"), ResourceKind::Supplier, a.supplier_id))
            .collect()
    }
    fn validate(&self) -> Result<(), FieldError> {
        // F-17, LOG-5: a CPR number or personnummer goes in `national_id` (sealed), never
        // in a name or an employee number, which are stored and shown in clear.
        if crate::ident::NationalId::appears_in(self.name.as_str()) {
            return Err(FieldError::new("name", codes::NATIONAL_ID_IN_TEXT));
        }
        for (i, a) in self.affiliations.iter().enumerate() {
            if matches!(a.to, Some(to) if to < a.from) {
                return Err(FieldError::new(format!("affiliations[{i}].to"), codes::ENDS_BEFORE_START));
            }
            if a.employee_ref.as_ref().is_some_and(|r| crate::ident::NationalId::appears_in(r.as_str())) {
                return Err(FieldError::new(format!("affiliations[{i}].employee_ref"), codes::NATIONAL_ID_IN_TEXT));
            }
        }
        let ids: Vec<Uuid> = self.affiliations.iter().map(|a| a.supplier_id).collect();
        no_duplicates(&ids, "affiliations")
    }
    fn carry_over(&mut self, old: Option<&Self>) {
        self.national_id_on_file = self.national_id.is_some() || old.is_some_and(|o| o.national_id_on_file);
    }
    /// A supplier may add, change and end its own affiliation of a person, and the
    /// person's own details, but never touch another supplier's affiliation.
    fn supplier_may_change(old: &Self, new: &Self, _id: Uuid, supplier: Uuid) -> Result<(), FieldError> {
        let others = |p: &Self| -> Vec<Affiliation> { p.affiliations.iter().filter(|a| a.supplier_id != supplier).cloned().collect() };
        if others(old) != others(new) {
            return Err(FieldError::new("affiliations", codes::OTHER_SUPPLIER));
        }
        if !new.affiliations.iter().any(|a| a.supplier_id == supplier) {
            return Err(FieldError::new("affiliations", codes::NOT_AFFILIATED));
        }
        Ok(())
    }
    fn take_national_id(&mut self) -> Option<NationalId> {
        self.national_id.take()
    }
}

/// The service contract an agreement follows (V p.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ServiceType {
    PersonalCare,
    PracticalHelp,
    MealService,
    NursingHome,
    Consultancy,
    ItServices,
    Other,
}

/// AGR-2: what an agreement lets the supplier's staff get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AgreementScope {
    pub systems: Vec<Uuid>,
    pub profiles: Vec<Uuid>,
    /// The most accounts per system the supplier may hold (T p.45: "3–4 brugere").
    pub user_cap: u32,
}

/// A sub-processor named under the data processing agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubProcessor {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_number: Option<OrgNumber>,
    pub purpose: Text,
}

/// AGR-3: data processing terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DataProcessing {
    /// A data processing agreement (databehandleraftale) is in place.
    pub dpa_in_place: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpa_reference: Option<Name>,
    /// Data may leave the municipality's systems (needs a DPA).
    pub allows_export: bool,
    #[serde(default)]
    pub sub_processors: Vec<SubProcessor>,
}

/// AGR-4: the security measures a supplier attests to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AttestationKind {
    /// Own equipment enrolled in the municipality's MDM.
    MdmEnrolled,
    /// No remote-control software (TeamViewer or similar).
    NoRemoteControlSoftware,
    /// The supplier's own password policy.
    PasswordPolicy,
    SecurePrinting,
    BackupRoutines,
    EncryptedMessaging,
}

impl AttestationKind {
    pub const ALL: [AttestationKind; 6] = [
        AttestationKind::MdmEnrolled,
        AttestationKind::NoRemoteControlSoftware,
        AttestationKind::PasswordPolicy,
        AttestationKind::SecurePrinting,
        AttestationKind::BackupRoutines,
        AttestationKind::EncryptedMessaging,
    ];
}

/// A signed attestation: what, by whom, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Attestation {
    pub kind: AttestationKind,
    pub attested_by: Name,
    pub attested_at: Timestamp,
}

/// The two parties of an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Party {
    Municipality,
    Supplier,
}

impl Party {
    /// The party an actor signs for: a supplier's actor for the supplier, anyone else
    /// for the municipality.
    pub fn of(actor: &Actor) -> Party {
        if actor.supplier().is_some() { Party::Supplier } else { Party::Municipality }
    }
}

/// AGR-5: one party's digital acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Acceptance {
    pub party: Party,
    pub name: Name,
    pub title: Name,
    pub accepted_at: Timestamp,
}

/// AGR-1..AGR-5: the access agreement tying a supplier to the municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Agreement {
    pub supplier_id: Uuid,
    /// The department responsible for the contract (e.g. home care): its head approves
    /// the supplier's requests first (REQ-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<Uuid>,
    pub title: Name,
    pub service_type: ServiceType,
    /// A consultant engagement ends with the supplier confirming deletion of all
    /// personal data (AGR-6).
    #[serde(default)]
    pub consultant_engagement: bool,
    pub valid_from: Date,
    /// Follows the service contract; every account under the agreement ends with it.
    pub valid_to: Date,
    pub scope: AgreementScope,
    pub data_processing: DataProcessing,
    /// Read-only here: recorded through `POST /agreements/{id}/attestations`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub attestations: Vec<Attestation>,
    /// Read-only here: recorded through `POST /agreements/{id}/acceptances`; a change of
    /// the agreement's terms clears them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub acceptances: Vec<Acceptance>,
}

impl Agreement {
    /// Both parties have accepted the current terms.
    pub fn fully_accepted(&self) -> bool {
        [Party::Municipality, Party::Supplier].iter().all(|p| self.accepted_by(*p))
    }
    /// This party has accepted the current terms.
    pub fn accepted_by(&self, party: Party) -> bool {
        self.acceptances.iter().any(|a| a.party == party)
    }
    /// Active on `day`: within its validity period.
    pub fn covers_date(&self, day: Date) -> bool {
        self.valid_from <= day && day <= self.valid_to
    }
    /// The terms, without signatures, to tell whether an update changed them.
    fn terms(&self) -> Agreement {
        Agreement { attestations: Vec::new(), acceptances: Vec::new(), ..self.clone() }
    }
    /// Records a party's acceptance of the current terms (AGR-5).
    pub fn accept(&mut self, party: Party, name: Name, title: Name, now: Timestamp) -> Result<(), FieldError> {
        if self.accepted_by(party) {
            return Err(FieldError::new("party", codes::ALREADY_ACCEPTED));
        }
        self.acceptances.push(Acceptance { party, name, title, accepted_at: now });
        Ok(())
    }
    /// Records (or renews) a security attestation (AGR-4).
    pub fn attest(&mut self, kind: AttestationKind, by: Name, now: Timestamp) {
        self.attestations.retain(|a| a.kind != kind);
        self.attestations.push(Attestation { kind, attested_by: by, attested_at: now });
        self.attestations.sort_by_key(|a| a.kind);
    }
    /// Attestations the policy requires that are not yet recorded.
    pub fn missing_attestations(&self, required: &[AttestationKind]) -> Vec<AttestationKind> {
        required.iter().copied().filter(|k| !self.attestations.iter().any(|a| a.kind == *k)).collect()
    }
}

impl Record for Agreement {
    const KIND: ResourceKind = ResourceKind::Agreement;
    fn display_name(&self) -> String {
        self.title.to_string()
    }
    fn owners(&self, _id: Uuid) -> Vec<Uuid> {
        vec![self.supplier_id]
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::new("supplier_id", ResourceKind::Supplier, self.supplier_id)];
        refs.extend(
            self.scope.systems.iter().enumerate().map(|(i, id)| Reference::new(format!("scope.systems[{i}]"), ResourceKind::System, *id)),
        );
        refs.extend(
            self.scope
                .profiles
                .iter()
                .enumerate()
                .map(|(i, id)| Reference::new(format!("scope.profiles[{i}]"), ResourceKind::Profile, *id)),
        );
        refs
    }
    fn validate(&self) -> Result<(), FieldError> {
        if self.valid_to < self.valid_from {
            return Err(FieldError::new("valid_to", codes::ENDS_BEFORE_START));
        }
        if self.scope.user_cap == 0 {
            return Err(FieldError::new("scope.user_cap", codes::USER_CAP_ZERO));
        }
        not_empty(&self.scope.systems, "scope.systems")?;
        no_duplicates(&self.scope.systems, "scope.systems")?;
        no_duplicates(&self.scope.profiles, "scope.profiles")?;
        let dp = &self.data_processing;
        if dp.allows_export && !dp.dpa_in_place {
            return Err(FieldError::new("data_processing.allows_export", codes::EXPORT_WITHOUT_DPA));
        }
        if !dp.sub_processors.is_empty() && !dp.dpa_in_place {
            return Err(FieldError::new("data_processing.sub_processors", codes::SUB_PROCESSOR_WITHOUT_DPA));
        }
        Ok(())
    }
    fn check_references(&mut self, refs: &RefView) -> Result<(), FieldError> {
        for (i, id) in self.scope.profiles.iter().enumerate() {
            let profile: Profile = refs.get(*id).ok_or(FieldError::new(format!("scope.profiles[{i}]"), codes::UNKNOWN_REFERENCE))?;
            if !self.scope.systems.contains(&profile.system_id) {
                return Err(FieldError::new(format!("scope.profiles[{i}]"), codes::PROFILE_OUTSIDE_SCOPE));
            }
        }
        Ok(())
    }
    fn carry_over(&mut self, old: Option<&Self>) {
        match old {
            Some(o) => {
                self.attestations = o.attestations.clone();
                self.acceptances = if self.terms() == o.terms() { o.acceptances.clone() } else { Vec::new() };
            }
            None => {
                self.attestations.clear();
                self.acceptances.clear();
            }
        }
    }
}

/// How Portvagt provisions accounts in a target system (PRV-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ConnectorKind {
    Ldap,
    Scim,
    Manual,
}

/// SYS-1: a target system (the AD domain, KMD Nexus, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct System {
    pub name: Name,
    pub code: Code,
    pub owner_department_id: Uuid,
    pub connector: ConnectorKind,
    /// The system logs transactions that can be ingested into the audit log.
    pub logs_transactions: bool,
    /// Username pattern for accounts in this system (ACC-2), e.g. `{supplier:3}{initials:3}{n}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_pattern: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

impl Record for System {
    const KIND: ResourceKind = ResourceKind::System;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("code", self.code.to_string()))
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference::new("owner_department_id", ResourceKind::Department, self.owner_department_id)]
    }
}

/// The sensitivity flags of a role, and of a profile (derived from its roles).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Flags {
    pub read_only: bool,
    /// Lets data leave the municipality: only under an agreement with a DPA (AGR-3).
    pub allows_export: bool,
    pub privileged: bool,
    /// Needs a documented needs assessment to be granted.
    pub sensitive: bool,
}

/// SYS-2 and SYS-4: a role in a target system, with its transaction set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Role {
    pub system_id: Uuid,
    pub code: Code,
    pub name: Name,
    pub flags: Flags,
    /// The transaction types the role permits (SYS-4).
    #[serde(default)]
    pub transaction_types: Vec<Code>,
}

impl Record for Role {
    const KIND: ResourceKind = ResourceKind::Role;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("code", format!("{}/{}", self.system_id, self.code)))
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference::new("system_id", ResourceKind::System, self.system_id)]
    }
    fn validate(&self) -> Result<(), FieldError> {
        no_duplicates(&self.transaction_types, "transaction_types")
    }
}

/// SYS-2: a profile bundling roles of one system (T p.37: 4-SOP-LÆS2 holds WSOP-ADM-S
/// and WSOP-SAG-S). Its flags are derived from its roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Profile {
    pub system_id: Uuid,
    pub code: Code,
    pub name: Name,
    pub roles: Vec<Uuid>,
    /// Derived: read-only if every role is; the other flags if any role has them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub flags: Flags,
}

impl Record for Profile {
    const KIND: ResourceKind = ResourceKind::Profile;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("code", format!("{}/{}", self.system_id, self.code)))
    }
    fn references(&self) -> Vec<Reference> {
        let mut refs = vec![Reference::new("system_id", ResourceKind::System, self.system_id)];
        refs.extend(self.roles.iter().enumerate().map(|(i, id)| Reference::new(format!("roles[{i}]"), ResourceKind::Role, *id)));
        refs
    }
    fn validate(&self) -> Result<(), FieldError> {
        not_empty(&self.roles, "roles")?;
        no_duplicates(&self.roles, "roles")
    }
    fn check_references(&mut self, refs: &RefView) -> Result<(), FieldError> {
        let mut roles = Vec::new();
        for (i, id) in self.roles.iter().enumerate() {
            let role: Role = refs.get(*id).ok_or(FieldError::new(format!("roles[{i}]"), codes::UNKNOWN_REFERENCE))?;
            if role.system_id != self.system_id {
                return Err(FieldError::new(format!("roles[{i}]"), codes::WRONG_SYSTEM));
            }
            roles.push(role.flags);
        }
        self.flags = derive_flags(&roles);
        Ok(())
    }
}

/// A profile's flags from its roles' flags.
pub fn derive_flags(roles: &[Flags]) -> Flags {
    Flags {
        read_only: !roles.is_empty() && roles.iter().all(|f| f.read_only),
        allows_export: roles.iter().any(|f| f.allows_export),
        privileged: roles.iter().any(|f| f.privileged),
        sensitive: roles.iter().any(|f| f.sensitive),
    }
}

/// SYS-3: a job profile (jobprofil / stillingsbetegnelse) and the profiles a person in
/// that job normally needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobProfile {
    pub name: Name,
    pub code: Code,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub profiles: Vec<Uuid>,
}

impl Record for JobProfile {
    const KIND: ResourceKind = ResourceKind::JobProfile;
    fn display_name(&self) -> String {
        self.name.to_string()
    }
    fn unique_key(&self) -> Option<(&'static str, String)> {
        Some(("code", self.code.to_string()))
    }
    fn references(&self) -> Vec<Reference> {
        self.profiles.iter().enumerate().map(|(i, id)| Reference::new(format!("profiles[{i}]"), ResourceKind::Profile, *id)).collect()
    }
    fn validate(&self) -> Result<(), FieldError> {
        not_empty(&self.profiles, "profiles")?;
        no_duplicates(&self.profiles, "profiles")
    }
}

/// A stored record with its identity and bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry<T> {
    pub id: Uuid,
    pub active: bool,
    /// Incremented by every change; send it back as `If-Match` to update safely.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(flatten)]
    pub data: T,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub total: u64,
    pub total_pages: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement() -> Agreement {
        serde_json::from_value(serde_json::json!({
            "supplier_id": Uuid::now_v7(),
            "title": "Personlig pleje 2026",
            "service_type": "personal_care",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "scope": { "systems": [Uuid::now_v7()], "profiles": [], "user_cap": 4 },
            "data_processing": { "dpa_in_place": false, "allows_export": false }
        }))
        .unwrap()
    }

    #[test]
    fn agreement_rules_on_dates_cap_and_dpa() {
        // REQ: AGR-1, AGR-2, AGR-3
        let a = agreement();
        assert!(a.validate().is_ok());
        let mut b = a.clone();
        b.valid_to = Date::parse("2025-12-31").unwrap();
        assert_eq!(b.validate().unwrap_err(), FieldError::new("valid_to", codes::ENDS_BEFORE_START));
        let mut b = a.clone();
        b.scope.user_cap = 0;
        assert_eq!(b.validate().unwrap_err().code, codes::USER_CAP_ZERO);
        let mut b = a.clone();
        b.data_processing.allows_export = true;
        assert_eq!(b.validate().unwrap_err().field, "data_processing.allows_export");
        b.data_processing.dpa_in_place = true;
        assert!(b.validate().is_ok());
    }

    #[test]
    fn changing_terms_clears_acceptances_but_keeps_attestations() {
        // REQ: AGR-4, AGR-5
        let now = Timestamp::parse("2026-01-05T10:00:00Z").unwrap();
        let mut old = agreement();
        old.accept(Party::Municipality, Name::parse("Kim").unwrap(), Name::parse("IT-chef").unwrap(), now).unwrap();
        old.accept(Party::Supplier, Name::parse("Ole").unwrap(), Name::parse("Direktør").unwrap(), now).unwrap();
        old.attest(AttestationKind::MdmEnrolled, Name::parse("Ole").unwrap(), now);
        assert!(old.fully_accepted());
        assert_eq!(
            old.accept(Party::Supplier, Name::parse("Ole").unwrap(), Name::parse("D").unwrap(), now).unwrap_err().code,
            codes::ALREADY_ACCEPTED
        );

        let mut same = old.clone();
        same.acceptances.clear();
        same.carry_over(Some(&old));
        assert!(same.fully_accepted(), "an update that keeps the terms keeps the signatures");

        let mut changed = old.clone();
        changed.scope.user_cap = 10;
        changed.carry_over(Some(&old));
        assert!(!changed.fully_accepted());
        assert_eq!(changed.attestations.len(), 1);
        assert_eq!(
            changed.missing_attestations(&[AttestationKind::MdmEnrolled, AttestationKind::SecurePrinting]),
            vec![AttestationKind::SecurePrinting]
        );
    }

    #[test]
    fn profile_flags_are_derived_from_roles() {
        // REQ: SYS-2
        let ro = Flags { read_only: true, ..Flags::default() };
        let exp = Flags { allows_export: true, sensitive: true, ..Flags::default() };
        assert_eq!(derive_flags(&[ro, ro]), ro);
        let mixed = derive_flags(&[ro, exp]);
        assert!(!mixed.read_only && mixed.allows_export && mixed.sensitive && !mixed.privileged);
    }

    #[test]
    fn a_supplier_cannot_touch_another_suppliers_affiliation() {
        // REQ: AUTH-4, ORG-4
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let aff = |s| Affiliation { supplier_id: s, from: Date::parse("2026-01-01").unwrap(), to: None, employee_ref: None };
        let old = Person {
            name: Name::parse("Mette").unwrap(),
            email: None,
            affiliations: vec![aff(a), aff(b)],
            national_id: None,
            national_id_on_file: false,
        };
        let mut new = old.clone();
        new.name = Name::parse("Mette Hansen").unwrap();
        assert!(Person::supplier_may_change(&old, &new, Uuid::nil(), a).is_ok());
        new.affiliations.retain(|x| x.supplier_id != b);
        assert_eq!(Person::supplier_may_change(&old, &new, Uuid::nil(), a).unwrap_err().code, codes::OTHER_SUPPLIER);
    }

    #[test]
    fn an_orderer_is_listed_from_the_first_to_the_last_day_of_the_entry() {
        // REQ: ORG-3
        let d = |s: &str| Date::parse(s).unwrap();
        let (person, other) = (Uuid::now_v7(), Uuid::now_v7());
        let o = Orderer {
            supplier_id: Uuid::now_v7(),
            person_id: person,
            valid_from: d("2026-01-01"),
            valid_to: Some(d("2026-06-30")),
            person_name: String::new(),
        };
        assert!(o.lists(person, d("2026-01-01")) && o.lists(person, d("2026-06-30")));
        assert!(!o.lists(person, d("2025-12-31")) && !o.lists(person, d("2026-07-01")));
        assert!(!o.lists(other, d("2026-03-01")), "another person");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e =
            serde_json::from_value::<Department>(serde_json::json!({"name": "Hjemmeplejen", "code": "HJ", "colour": "red"})).unwrap_err();
        assert!(e.to_string().contains("unknown field"));
    }
}
