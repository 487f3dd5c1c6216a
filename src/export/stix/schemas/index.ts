/**
 * JSON Schemas (draft 2020-12) for the STIX 2.1 objects vigie emits.
 *
 * THESE ARE VIGIE'S OWN TRANSCRIPTION of the OASIS STIX 2.1 specification (STIX Version 2.1,
 * OASIS Standard, 10 June 2021, https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html),
 * not the official OASIS JSON schemas (oasis-open/cti-stix2-json-schemas), which no installed
 * or npm-available package ships. They encode, for every type vigie writes: the required and
 * optional properties, the identifier form `<type>--<RFC 4122 UUID>`, the timestamp form
 * (RFC 3339, UTC, `Z`), `spec_version: "2.1"`, the closed vocabularies (identity_class
 * suggestions are open, so only their form is checked), the property-name rule (lowercase
 * ASCII, digits and `_`, 3 to 250 characters), and the co-constraints the spec states
 * (e.g. observed-data's last_observed not before first_observed) are checked in validate.ts,
 * since JSON Schema cannot compare two values.
 *
 * Kept as TypeScript constants so they ship in dist/ with the code that validates against them.
 * Section numbers in comments refer to the specification.
 */

type Schema = Record<string, unknown>;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

/** An identifier of one given type (2.9 STIX Identifiers). */
export const idOf = (type: string): Schema => ({ type: 'string', pattern: `^${type}--${UUID}$` });
/** An identifier of any type (2.9 STIX Identifiers). */
const anyId: Schema = { type: 'string', pattern: `^[a-z][a-z0-9-]+[a-z0-9]--${UUID}$` };
/** RFC 3339 timestamp in UTC with a literal Z (3.2 "timestamp"). */
const timestamp: Schema = {
  type: 'string',
  format: 'date-time',
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$',
};
const nonEmpty: Schema = { type: 'string', minLength: 1 };
const strings: Schema = { type: 'array', items: nonEmpty, minItems: 1 };
const ids: Schema = { type: 'array', items: anyId, minItems: 1 };
/** Open vocabularies are lowercase, hyphen-separated (2.3). */
const vocab: Schema = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' };

/** External Reference (data type). */
const externalReference: Schema = {
  type: 'object',
  required: ['source_name'],
  properties: {
    source_name: nonEmpty,
    description: { type: 'string' },
    url: { type: 'string', format: 'uri' },
    hashes: { type: 'object' },
    external_id: nonEmpty,
  },
  anyOf: [{ required: ['description'] }, { required: ['url'] }, { required: ['external_id'] }],
};

/** Kill Chain Phase (data type). */
const killChainPhase: Schema = {
  type: 'object',
  required: ['kill_chain_name', 'phase_name'],
  properties: { kill_chain_name: vocab, phase_name: vocab },
  additionalProperties: false,
};

/** Property names (custom ones; `id` is the one shorter spec name): lowercase ASCII, digits, underscore, 3..250 characters. */
const propertyNames: Schema = { pattern: '^(id|[a-z0-9_]{3,250})$' };

/** Common properties of SDOs and SROs (chapter 3). */
function sdo(type: string, required: string[], properties: Schema): Schema {
  return {
    $id: `vigie:stix:${type}`,
    type: 'object',
    required: ['type', 'spec_version', 'id', 'created', 'modified', ...required],
    propertyNames,
    properties: {
      type: { const: type },
      spec_version: { const: '2.1' },
      id: idOf(type),
      created_by_ref: idOf('identity'),
      created: timestamp,
      modified: timestamp,
      revoked: { type: 'boolean' },
      labels: strings,
      confidence: { type: 'integer', minimum: 0, maximum: 100 },
      lang: nonEmpty,
      external_references: { type: 'array', items: externalReference, minItems: 1 },
      object_marking_refs: { type: 'array', items: idOf('marking-definition'), minItems: 1 },
      granular_markings: { type: 'array', minItems: 1 },
      extensions: { type: 'object', minProperties: 1 },
      ...properties,
    },
  };
}

/** Common properties of SCOs (no created/modified; spec_version optional). */
function sco(type: string, required: string[], properties: Schema): Schema {
  return {
    $id: `vigie:stix:${type}`,
    type: 'object',
    required: ['type', 'id', ...required],
    propertyNames,
    properties: {
      type: { const: type },
      spec_version: { const: '2.1' },
      id: idOf(type),
      object_marking_refs: { type: 'array', items: idOf('marking-definition'), minItems: 1 },
      granular_markings: { type: 'array', minItems: 1 },
      defanged: { type: 'boolean' },
      extensions: { type: 'object', minProperties: 1 },
      ...properties,
    },
  };
}

export const SCHEMAS: Record<string, Schema> = {
  // 4.1 Attack Pattern
  'attack-pattern': sdo('attack-pattern', ['name'], {
    name: nonEmpty,
    description: { type: 'string' },
    aliases: strings,
    kill_chain_phases: { type: 'array', items: killChainPhase, minItems: 1 },
  }),
  // 4.2 Campaign
  campaign: sdo('campaign', ['name'], {
    name: nonEmpty,
    description: { type: 'string' },
    aliases: strings,
    first_seen: timestamp,
    last_seen: timestamp,
    objective: { type: 'string' },
  }),
  // 4.5 Identity
  identity: sdo('identity', ['name'], {
    name: nonEmpty,
    description: { type: 'string' },
    roles: strings,
    identity_class: vocab,
    sectors: { type: 'array', items: vocab, minItems: 1 },
    contact_information: { type: 'string' },
  }),
  // 4.7 Indicator
  indicator: sdo('indicator', ['pattern', 'pattern_type', 'valid_from'], {
    name: nonEmpty,
    description: { type: 'string' },
    indicator_types: { type: 'array', items: vocab, minItems: 1 },
    pattern: nonEmpty,
    pattern_type: vocab,
    pattern_version: nonEmpty,
    valid_from: timestamp,
    valid_until: timestamp,
    kill_chain_phases: { type: 'array', items: killChainPhase, minItems: 1 },
  }),
  // 4.13 Note
  note: sdo('note', ['content', 'object_refs'], {
    abstract: { type: 'string' },
    content: nonEmpty,
    authors: strings,
    object_refs: ids,
  }),
  // 4.14 Observed Data (2.1: object_refs to SCOs; the deprecated `objects` is not emitted)
  'observed-data': {
    ...sdo('observed-data', ['first_observed', 'last_observed', 'number_observed', 'object_refs'], {
      first_observed: timestamp,
      last_observed: timestamp,
      number_observed: { type: 'integer', minimum: 1, maximum: 999999999 },
      object_refs: ids,
    }),
    not: { required: ['objects'] },
  },
  // 4.15 Opinion
  opinion: sdo('opinion', ['opinion', 'object_refs'], {
    explanation: { type: 'string' },
    authors: strings,
    opinion: { enum: ['strongly-disagree', 'disagree', 'neutral', 'agree', 'strongly-agree'] },
    object_refs: ids,
  }),
  // 4.16 Report
  report: sdo('report', ['name', 'published', 'object_refs'], {
    name: nonEmpty,
    description: { type: 'string' },
    report_types: { type: 'array', items: vocab, minItems: 1 },
    published: timestamp,
    object_refs: ids,
  }),
  // 4.17 Threat Actor
  'threat-actor': sdo('threat-actor', ['name'], {
    name: nonEmpty,
    description: { type: 'string' },
    threat_actor_types: { type: 'array', items: vocab, minItems: 1 },
    aliases: strings,
    first_seen: timestamp,
    last_seen: timestamp,
  }),
  // 5.1 Relationship
  relationship: sdo('relationship', ['relationship_type', 'source_ref', 'target_ref'], {
    relationship_type: vocab,
    description: { type: 'string' },
    source_ref: anyId,
    target_ref: anyId,
    start_time: timestamp,
    stop_time: timestamp,
  }),
  // 6.4 Domain Name
  'domain-name': sco('domain-name', ['value'], {
    value: nonEmpty,
    resolves_to_refs: ids,
  }),
  // 6.8 IPv4 Address (an address or CIDR block)
  'ipv4-addr': sco('ipv4-addr', ['value'], {
    value: { type: 'string', pattern: '^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$' },
  }),
  // 6.9 IPv6 Address
  'ipv6-addr': sco('ipv6-addr', ['value'], {
    value: { type: 'string', pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' },
  }),
  // 6.15 URL
  url: sco('url', ['value'], { value: { type: 'string', format: 'uri' } }),
  // 6.16 User Account (at least one property besides type and id, spec 6.16.2 in practice)
  'user-account': {
    ...sco('user-account', [], {
      user_id: nonEmpty,
      account_login: nonEmpty,
      account_type: vocab,
      display_name: nonEmpty,
      is_service_account: { type: 'boolean' },
    }),
    anyOf: [{ required: ['user_id'] }, { required: ['account_login'] }],
  },
  // OpenCTI's custom SDOs (new-sdo via OpenCTI's extension-definition), emitted with --opencti.
  narrative: sdo('narrative', ['name'], {
    name: nonEmpty,
    description: { type: 'string' },
    narrative_types: strings,
    aliases: strings,
  }),
  channel: sdo('channel', ['name'], {
    name: nonEmpty,
    description: { type: 'string' },
    channel_types: strings,
    aliases: strings,
  }),
};

/** 8 STIX Bundle Object. `spec_version` is not a bundle property in 2.1. */
export const BUNDLE_SCHEMA: Schema = {
  $id: 'vigie:stix:bundle',
  type: 'object',
  required: ['type', 'id'],
  properties: {
    type: { const: 'bundle' },
    id: idOf('bundle'),
    objects: { type: 'array', items: { type: 'object', required: ['type', 'id'] }, minItems: 1 },
  },
  not: { required: ['spec_version'] },
};
