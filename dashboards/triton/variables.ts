// The dashboard's variables (datasource, model, instance) and the scopes every query is built in:
// each query looks at the models and replicas the variables select.
import {
  type DataSourceRef,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { instanceMatches, label, metric, modelMatches, type Scope, selector } from '../../scripts/lib/triton/metrics.ts'

/** Name of the datasource template variable every panel and query goes through. */
export const DATASOURCE_VARIABLE = 'datasource'
export const MODEL_VARIABLE = 'model'
/** The replicas a query looks at (label `instance`: the container, or the pod on Kubernetes). */
export const INSTANCE_VARIABLE = 'instance'

/**
 * What panels and queries carry. The variable's saved value is the fixed datasource uid, so the
 * JSON works as posted; a user with a differently named Prometheus can still pick it in the
 * dashboard instead of editing every panel.
 */
export const datasourceRef: DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` }

const onSelectedInstances = instanceMatches(`$${INSTANCE_VARIABLE}`)
/** Every query looks at the models and replicas the variables select, over Grafana's rate interval. */
const selected = { match: `${modelMatches(`$${MODEL_VARIABLE}`)}, ${onSelectedInstances}`, window: '$__rate_interval' }
export const perModel: Scope = { ...selected, by: [label.model] }
export const perInstance: Scope = { ...selected, by: [label.instance] }
export const total: Scope = selected
/** A gauge of the selected replicas (GPU and host figures have no model). */
export const gauge = (name: string) => selector(name, onSelectedInstances)

/** The Prometheus to read from, saved as the uid the setup scripts give the datasource. */
export const datasourceVariable = (datasourceUid: string) =>
  new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Data source')
    .description('Prometheus that scrapes Triton. Saved as the uid the setup scripts give the datasource.')
    .type('prometheus')
    .current({ text: datasourceUid, value: datasourceUid, selected: true })

/** A multi-select variable of the values a label of Triton's series takes, All by default. */
const labelVariable = (name: string, labelName: string, title: string, description: string) =>
  new QueryVariableBuilder(name)
    .label(title)
    .description(description)
    .datasource(datasourceRef)
    .query(`label_values(${metric.success}, ${labelName})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: ['All'], value: ['$__all'], selected: true })

export const modelVariable = () =>
  labelVariable(MODEL_VARIABLE, label.model, 'Model', 'Models Triton reports metrics for (label `model`).')

export const instanceVariable = () =>
  labelVariable(
    INSTANCE_VARIABLE,
    label.instance,
    'Instance',
    'Triton replicas Prometheus scrapes (label `instance`: the container on Docker, the pod on Kubernetes).',
  )
