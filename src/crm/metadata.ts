import { KEY_PREFIX } from "./ids.js";
import { PG_NOCASE } from "./sql.js";

/** Custom field types as the Tooling API and `pendulum crm field add` name them. */
export const CUSTOM_FIELD_TYPES = ["Text", "LongTextArea", "Number", "Currency", "Percent", "Checkbox", "Date", "DateTime", "Picklist", "Email", "Url"] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** Field types as describe reports them (`soapType` follows from these). */
export type SfFieldType = "id" | "string" | "textarea" | "double" | "int" | "currency" | "percent" | "boolean" | "date" | "datetime" | "picklist" | "email" | "url" | "reference";

/** One field of an object: everything describe, validation, storage and SOQL need. */
export type FieldDef = {
  name: string;
  label: string;
  type: SfFieldType;
  length: number;
  precision: number;
  scale: number;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  externalId: boolean;
  unique: boolean;
  picklistValues: string[];
  referenceTo: string[];
  /** Set by the server, never by a client (Id, audit fields). */
  system: boolean;
  required: boolean;
};

/** An object (sObject): its table, key prefix and fields in describe order. */
export type ObjectDef = {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  table: string;
  custom: boolean;
  /** Records can be written through the REST API. */
  writable: boolean;
  fields: FieldDef[];
  byLowerName: Map<string, FieldDef>;
};

type FieldSpec = Partial<FieldDef> & { name: string; type: SfFieldType };

function field(spec: FieldSpec): FieldDef {
  const system = spec.system ?? false;
  return {
    label: spec.name.replace(/__c$/, "").replace(/_/g, " "),
    length: spec.type === "string" || spec.type === "picklist" || spec.type === "email" || spec.type === "url" ? 255 : spec.type === "textarea" ? 32000 : spec.type === "id" || spec.type === "reference" ? 18 : 0,
    precision: 0,
    scale: 0,
    custom: false,
    createable: !system,
    updateable: !system,
    nillable: !system && spec.type !== "boolean",
    externalId: false,
    unique: false,
    picklistValues: [],
    referenceTo: [],
    required: false,
    ...spec,
    system,
  };
}

const audit: FieldSpec[] = [
  { name: "CreatedDate", type: "datetime", label: "Created Date", system: true },
  { name: "CreatedById", type: "reference", label: "Created By ID", system: true, referenceTo: ["User"] },
  { name: "LastModifiedDate", type: "datetime", label: "Last Modified Date", system: true },
  { name: "LastModifiedById", type: "reference", label: "Last Modified By ID", system: true, referenceTo: ["User"] },
  { name: "SystemModstamp", type: "datetime", label: "System Modstamp", system: true },
  { name: "IsDeleted", type: "boolean", label: "Deleted", system: true },
];

const idField: FieldSpec = { name: "Id", type: "id", label: "Record ID", system: true, unique: true };
const owner: FieldSpec = { name: "OwnerId", type: "reference", label: "Owner ID", referenceTo: ["User"], nillable: false };

/** The standard objects and their standard fields, in describe order. */
export const STANDARD_OBJECTS: Array<Omit<ObjectDef, "byLowerName" | "fields"> & { fields: FieldSpec[] }> = [
  {
    name: "Account",
    label: "Account",
    labelPlural: "Accounts",
    keyPrefix: KEY_PREFIX.Account,
    table: "crm_account",
    custom: false,
    writable: true,
    fields: [
      idField,
      { name: "Name", type: "string", label: "Account Name", required: true, nillable: false },
      { name: "Type", type: "picklist", label: "Account Type", picklistValues: ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"] },
      { name: "Industry", type: "picklist", label: "Industry", picklistValues: ["Agriculture", "Banking", "Communications", "Education", "Finance", "Healthcare", "Manufacturing", "Media", "Retail", "Technology", "Other"] },
      { name: "Website", type: "url", label: "Website" },
      { name: "AnnualRevenue", type: "currency", label: "Annual Revenue", precision: 18, scale: 0 },
      { name: "NumberOfEmployees", type: "int", label: "Employees", precision: 8 },
      { name: "BillingCountry", type: "string", label: "Billing Country", length: 80 },
      owner,
      ...audit,
    ],
  },
  {
    name: "Contact",
    label: "Contact",
    labelPlural: "Contacts",
    keyPrefix: KEY_PREFIX.Contact,
    table: "crm_contact",
    custom: false,
    writable: true,
    fields: [
      idField,
      { name: "AccountId", type: "reference", label: "Account ID", referenceTo: ["Account"] },
      { name: "FirstName", type: "string", label: "First Name", length: 40 },
      { name: "LastName", type: "string", label: "Last Name", length: 80, required: true, nillable: false },
      { name: "Name", type: "string", label: "Full Name", length: 121, system: true },
      { name: "Email", type: "email", label: "Email", length: 80 },
      { name: "Phone", type: "string", label: "Business Phone", length: 40 },
      { name: "Title", type: "string", label: "Title", length: 128 },
      owner,
      ...audit,
    ],
  },
  {
    name: "User",
    label: "User",
    labelPlural: "Users",
    keyPrefix: KEY_PREFIX.User,
    table: "crm_user",
    custom: false,
    writable: false,
    fields: [
      idField,
      { name: "Username", type: "string", label: "Username", length: 80, unique: true },
      { name: "Email", type: "email", label: "Email", length: 128 },
      { name: "FirstName", type: "string", label: "First Name", length: 40 },
      { name: "LastName", type: "string", label: "Last Name", length: 80 },
      { name: "Name", type: "string", label: "Full Name", length: 121 },
      { name: "IsActive", type: "boolean", label: "Active" },
      { name: "TimeZoneSidKey", type: "string", label: "Time Zone", length: 40 },
      { name: "ProfileId", type: "reference", label: "Profile ID", referenceTo: ["Profile"] },
      ...audit,
    ],
  },
  {
    name: "Organization",
    label: "Organization",
    labelPlural: "Organizations",
    keyPrefix: KEY_PREFIX.Organization,
    table: "crm_organization",
    custom: false,
    writable: false,
    fields: [
      idField,
      { name: "Name", type: "string", label: "Name", length: 80 },
      { name: "OrganizationType", type: "string", label: "Edition", length: 40 },
      { name: "IsSandbox", type: "boolean", label: "Is Sandbox" },
      { name: "InstanceName", type: "string", label: "Instance Name", length: 5 },
      { name: "NamespacePrefix", type: "string", label: "Namespace Prefix", length: 15 },
      { name: "TrialExpirationDate", type: "datetime", label: "Trial Expiration Date" },
      ...audit,
    ],
  },
  {
    name: "Profile",
    label: "Profile",
    labelPlural: "Profiles",
    keyPrefix: KEY_PREFIX.Profile,
    table: "crm_profile",
    custom: false,
    writable: false,
    fields: [
      idField,
      { name: "Name", type: "string", label: "Name", length: 255 },
      { name: "Description", type: "string", label: "Description", length: 255 },
      { name: "UserType", type: "picklist", label: "User Type", length: 40, picklistValues: ["Standard", "PowerPartner", "CsnOnly", "Guest"] },
      ...audit,
    ],
  },
];

/** The standard profiles every org has; the CRM's users get System Administrator. */
export const STANDARD_PROFILES: ReadonlyArray<{ name: string; description: string }> = [
  { name: "System Administrator", description: "Can configure and customize the org and see and change every record" },
  { name: "Standard User", description: "Can create and edit most records" },
  { name: "Read Only", description: "Can view records but not change them" },
  { name: "Minimum Access - Salesforce", description: "Starts with no access; permission sets grant what a user needs" },
  { name: "Standard Platform User", description: "Can use custom apps but not the standard CRM apps" },
];

/** The Tooling API's CustomField object, stored in the `crm_fields` metadata table. */
export const CUSTOM_FIELD_OBJECT: Omit<ObjectDef, "byLowerName" | "fields"> & { fields: FieldSpec[] } = {
  name: "CustomField",
  label: "Custom Field",
  labelPlural: "Custom Fields",
  keyPrefix: KEY_PREFIX.CustomField,
  table: "crm_fields",
  custom: false,
  writable: false,
  fields: [
    idField,
    { name: "DeveloperName", type: "string", label: "Field Name", length: 40 },
    { name: "TableEnumOrId", type: "string", label: "Object", length: 40 },
    { name: "FullName", type: "string", label: "Full Name", length: 255 },
    { name: "NamespacePrefix", type: "string", label: "Namespace Prefix", length: 15 },
    { name: "DataType", type: "string", label: "Data Type", length: 40 },
    { name: "Label", type: "string", label: "Label", length: 40 },
    { name: "Length", type: "int", label: "Length" },
    { name: "Precision", type: "int", label: "Precision" },
    { name: "Scale", type: "int", label: "Scale" },
    { name: "ExternalId", type: "boolean", label: "External ID" },
    { name: "IsUnique", type: "boolean", label: "Unique" },
    ...audit,
  ],
};

/** Builds an object definition with its name index. */
export function buildObject(spec: Omit<ObjectDef, "byLowerName" | "fields"> & { fields: FieldSpec[] }, custom: FieldDef[] = []): ObjectDef {
  const fields = [...spec.fields.map(field), ...custom];
  return { ...spec, fields, byLowerName: new Map(fields.map((f) => [f.name.toLowerCase(), f])) };
}

/** A custom field as stored in `crm_fields`. */
export type CustomFieldRow = {
  Id: string;
  DeveloperName: string;
  TableEnumOrId: string;
  FullName: string;
  DataType: string;
  Label: string;
  Length: number | null;
  Precision: number | null;
  Scale: number | null;
  ExternalId: number;
  IsUnique: number;
  Picklist: string | null;
  CreatedDate: string;
};

const TYPE_OF: Record<CustomFieldType, SfFieldType> = {
  Text: "string",
  LongTextArea: "textarea",
  Number: "double",
  Currency: "currency",
  Percent: "percent",
  Checkbox: "boolean",
  Date: "date",
  DateTime: "datetime",
  Picklist: "picklist",
  Email: "email",
  Url: "url",
};

/** Turns a stored custom field into the field definition describe and SOQL use. */
export function customFieldDef(row: CustomFieldRow): FieldDef {
  const type = TYPE_OF[row.DataType as CustomFieldType] ?? "string";
  const numeric = type === "double" || type === "currency" || type === "percent";
  return field({
    name: `${row.DeveloperName}__c`,
    type,
    label: row.Label,
    custom: true,
    length: numeric || type === "boolean" || type === "date" || type === "datetime" ? 0 : (row.Length ?? (type === "textarea" ? 32768 : 255)),
    precision: numeric ? (row.Precision ?? 18) : 0,
    scale: numeric ? (row.Scale ?? 0) : 0,
    externalId: row.ExternalId === 1,
    unique: row.IsUnique === 1,
    picklistValues: row.Picklist ? (JSON.parse(row.Picklist) as string[]) : [],
  });
}

/**
 * The column declaration for a field. On PostgreSQL, text compares without regard to case through
 * a nondeterministic ICU collation (NOCASE's counterpart), dates as ISO text byte by byte, and
 * numbers are 64-bit / double precision like SQLite's.
 */
export function columnType(f: FieldDef, engine: "sqlite" | "postgres" = "sqlite"): string {
  const pg = engine === "postgres";
  switch (f.type) {
    case "double":
    case "currency":
    case "percent":
      return pg ? "DOUBLE PRECISION" : "REAL";
    case "int":
      return pg ? "BIGINT" : "INTEGER";
    case "boolean":
      return pg ? "BIGINT NOT NULL DEFAULT 0" : "INTEGER NOT NULL DEFAULT 0";
    case "date":
    case "datetime":
      return pg ? `TEXT COLLATE "C"` : "TEXT";
    case "id":
    case "reference":
      // Ids are exact (their case is part of them) and join the "C"-collated Id columns.
      return pg ? `TEXT COLLATE "C"` : "TEXT COLLATE NOCASE";
    default:
      // Salesforce compares text without regard to case; NOCASE gives that to =, IN, ORDER BY and indexes.
      return pg ? `TEXT COLLATE ${PG_NOCASE}` : "TEXT COLLATE NOCASE";
  }
}

/** The SQL type a parameter is cast to where PostgreSQL cannot infer it (VALUES lists); SQLite needs none. */
export function paramOf(f: FieldDef, engine: "sqlite" | "postgres"): string {
  if (engine === "sqlite") return "?";
  switch (f.type) {
    case "double":
    case "currency":
    case "percent":
      return "CAST(? AS DOUBLE PRECISION)";
    case "int":
    case "boolean":
      return "CAST(? AS BIGINT)";
    default:
      return "CAST(? AS TEXT)";
  }
}

/** A PostgreSQL parameter holding an array of one field's values (element type as in paramOf). */
export function arrayParamOf(f: FieldDef): string {
  return paramOf(f, "postgres").replace(/\)$/, "[])");
}

/** Quotes an identifier already checked against the field name pattern. */
export function q(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** API names the CRM accepts for custom fields: letters, digits and single underscores, ending in __c. */
export const CUSTOM_FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*__c$/;

/** A parent-to-child relationship (Account → Contacts through Contact.AccountId). */
export type ChildRelationship = { relationshipName: string; child: ObjectDef; field: FieldDef };

/**
 * The child relationships of an object: every lookup a writable object has to it, other than
 * audit and owner fields, named by the child's plural label (`Contacts`) as Salesforce names
 * standard ones.
 */
export function childRelationshipsOf(parent: ObjectDef, objects: ObjectDef[]): ChildRelationship[] {
  const out: ChildRelationship[] = [];
  for (const child of objects) {
    if (!child.writable) continue;
    for (const f of child.fields) {
      if (f.type !== "reference" || f.system || f.name === "OwnerId" || !f.referenceTo.includes(parent.name)) continue;
      out.push({ relationshipName: child.labelPlural.replace(/[^A-Za-z0-9_]/g, ""), child, field: f });
    }
  }
  return out;
}
