// The OpenAPI schema of CustomResourceDefinition itself (apiextensions.k8s.io/v1), compact: for
// `kubectl explain crd…`, for unknown-field detection in CRDs (a typo such as `spec.scop` is reported under
// Strict validation, as upstream does) and for server-side apply's list semantics. Descriptions are upstream's
// (pkg/apis/apiextensions/v1/types.go), shortened. The custom resources' own schemas (openAPIV3Schema) are
// JSONSchemaProps, recursive: kept open here and checked by crd-validation.ts instead.
import type { JSONSchema } from '../schema/structural.js';

const str = (description: string): JSONSchema => ({ type: 'string', description });
const bool = (description: string): JSONSchema => ({ type: 'boolean', description });
const obj = (description: string, properties: Record<string, JSONSchema>): JSONSchema => ({ type: 'object', description, properties });
const atomicList = (description: string, items: JSONSchema): JSONSchema => ({ type: 'array', description, items, 'x-kubernetes-list-type': 'atomic' });
const open = (description: string): JSONSchema => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });

const names = (description: string): JSONSchema =>
  obj(description, {
    plural: str('plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.'),
    singular: str('singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
    shortNames: atomicList('shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.', { type: 'string' }),
    kind: str('kind is the serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.'),
    listKind: str('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
    categories: atomicList('categories is a list of grouped resources this custom resource belongs to (e.g. \'all\'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.', { type: 'string' }),
  });

const printerColumn: JSONSchema = obj('CustomResourceColumnDefinition specifies a column for server side printing.', {
  name: str('name is a human readable name for the column.'),
  type: str('type is an OpenAPI type definition for this column. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details.'),
  format: str('format is an optional OpenAPI type definition for this column. The \'name\' format is applied to the primary identifier column to assist in clients identifying column is the resource name.'),
  description: str('description is a human readable description of this column.'),
  priority: { type: 'integer', format: 'int32', description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a priority greater than 0.' },
  jsonPath: str('jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.'),
});

const version: JSONSchema = obj('CustomResourceDefinitionVersion describes a version for CRD.', {
  name: str('name is the version name, e.g. “v1”, “v2beta1”, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.'),
  served: bool('served is a flag enabling/disabling this version from being served via REST APIs'),
  storage: bool('storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.'),
  deprecated: bool('deprecated indicates this version of the custom resource API is deprecated. When set to true, API requests to this version receive a warning header in the server response. Defaults to false.'),
  deprecationWarning: str('deprecationWarning overrides the default warning returned to API clients. May only be set when `deprecated` is true.'),
  schema: obj('schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.', {
    openAPIV3Schema: open('openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.'),
  }),
  subresources: obj('subresources specify what subresources this version of the defined custom resource have.', {
    status: open('status indicates the custom resource should serve a `/status` subresource. When enabled: 1. requests to the custom resource primary endpoint ignore changes to the `status` stanza of the object. 2. requests to the custom resource `/status` subresource ignore changes to anything other than the `status` stanza of the object.'),
    scale: obj('scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.', {
      specReplicasPath: str('specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.spec`.'),
      statusReplicasPath: str('statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`. Only JSON paths without the array notation are allowed. Must be a JSON Path under `.status`.'),
      labelSelectorPath: str('labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.'),
    }),
  }),
  additionalPrinterColumns: atomicList('additionalPrinterColumns specifies additional columns returned in Table output. If no columns are specified, a single column displaying the age of the custom resource is used.', printerColumn),
  selectableFields: atomicList('selectableFields specifies paths to fields that may be used as field selectors.', open('SelectableField specifies the JSON path of a field that may be used with field selectors.')),
});

const condition: JSONSchema = obj('CustomResourceDefinitionCondition contains details for the current condition of this pod.', {
  type: str('type is the type of the condition. Types include Established, NamesAccepted and Terminating.'),
  status: str('status is the status of the condition. Can be True, False, Unknown.'),
  lastTransitionTime: { type: 'string', format: 'date-time', description: 'lastTransitionTime last time the condition transitioned from one status to another.' },
  reason: str("reason is a unique, one-word, CamelCase reason for the condition's last transition."),
  message: str('message is a human-readable message indicating details about last transition.'),
  observedGeneration: { type: 'integer', format: 'int64', description: 'observedGeneration represents the .metadata.generation that the condition was set based upon.' },
});

export const CRD_SCHEMA: JSONSchema = {
  type: 'object',
  description: 'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.',
  properties: {
    apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
    kind: str('Kind is a string value representing the REST resource this object represents.'),
    spec: obj('spec describes how the user wants the resources to appear', {
      group: str('group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).'),
      names: names('names specify the resource and kind names for the custom resource.'),
      scope: str('scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.'),
      versions: atomicList('versions is the list of all API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery.', version),
      conversion: obj('conversion defines conversion settings for the CRD.', {
        strategy: str('strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `"Webhook"`: API Server will call to an external webhook to do the conversion.'),
        webhook: open('webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.'),
      }),
      preserveUnknownFields: bool('preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. This field is deprecated in favor of setting `x-preserve-unknown-fields` to true in `spec.versions[*].schema.openAPIV3Schema`.'),
    }),
    status: obj('status indicates the actual state of the CustomResourceDefinition', {
      conditions: { ...atomicList('conditions indicate state for particular aspects of a CustomResourceDefinition', condition), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
      acceptedNames: names('acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.'),
      storedVersions: atomicList('storedVersions lists all versions of CustomResources that were ever persisted.', { type: 'string' }),
    }),
  },
};
