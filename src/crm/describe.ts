import type { ChildRelationship, FieldDef, ObjectDef } from "./metadata.js";

const SOAP: Record<FieldDef["type"], string> = {
  id: "tns:ID",
  reference: "tns:ID",
  string: "xsd:string",
  textarea: "xsd:string",
  picklist: "xsd:string",
  email: "xsd:string",
  url: "xsd:string",
  double: "xsd:double",
  currency: "xsd:double",
  percent: "xsd:double",
  int: "xsd:int",
  boolean: "xsd:boolean",
  date: "xsd:date",
  datetime: "xsd:dateTime",
};

function urls(version: string, obj: ObjectDef): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${obj.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** One field as describe reports it. */
export function describeField(f: FieldDef): Record<string, unknown> {
  const numeric = f.type === "double" || f.type === "currency" || f.type === "percent";
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    soapType: SOAP[f.type],
    length: f.length,
    byteLength: f.length * 3,
    precision: numeric ? f.precision : 0,
    scale: numeric ? f.scale : 0,
    digits: f.type === "int" ? f.precision || 9 : 0,
    custom: f.custom,
    createable: f.createable,
    updateable: f.updateable,
    nillable: f.nillable,
    defaultedOnCreate: f.system || f.type === "boolean" || f.name === "OwnerId",
    externalId: f.externalId,
    idLookup: f.externalId || f.name === "Id" || f.unique,
    unique: f.unique,
    caseSensitive: false,
    calculated: false,
    autoNumber: false,
    filterable: true,
    sortable: f.type !== "textarea",
    groupable: f.type !== "textarea" && !numeric,
    nameField: f.name === "Name",
    picklistValues: f.picklistValues.map((v, i) => ({ active: true, defaultValue: false, label: v, value: v, validFor: null, index: i })).map(({ index: _i, ...rest }) => rest),
    restrictedPicklist: false,
    referenceTo: f.referenceTo,
    relationshipName: f.type === "reference" && f.name.endsWith("Id") ? f.name.slice(0, -2) : null,
    htmlFormatted: false,
    deprecatedAndHidden: false,
  };
}

/** `/sobjects/{object}/describe`. */
export function describeObject(version: string, obj: ObjectDef, children: ChildRelationship[]): Record<string, unknown> {
  return {
    ...globalEntry(version, obj),
    fields: obj.fields.map(describeField),
    childRelationships: children.map((c) => ({ childSObject: c.child.name, field: c.field.name, relationshipName: c.relationshipName, cascadeDelete: false })),
    recordTypeInfos: [],
    supportedScopes: [{ label: "All", name: "everything" }],
  };
}

/** One entry of describeGlobal. */
export function globalEntry(version: string, obj: ObjectDef): Record<string, unknown> {
  return {
    name: obj.name,
    label: obj.label,
    labelPlural: obj.labelPlural,
    keyPrefix: obj.keyPrefix,
    custom: obj.custom,
    customSetting: false,
    createable: obj.writable,
    updateable: obj.writable,
    deletable: obj.writable,
    undeletable: false,
    queryable: true,
    retrieveable: true,
    searchable: obj.writable,
    layoutable: obj.writable,
    replicateable: true,
    triggerable: obj.writable,
    mergeable: false,
    feedEnabled: false,
    activateable: false,
    deprecatedAndHidden: false,
    urls: urls(version, obj),
  };
}
