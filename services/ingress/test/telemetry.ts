import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics'

class TestReader extends MetricReader {
  protected override async onForceFlush (): Promise<void> {}
  protected override async onShutdown (): Promise<void> {}
}

/** A meter whose data points tests can read: sum of a counter, count of a histogram, by attributes. */
export function createTestMeter () {
  const reader = new TestReader()
  const provider = new MeterProvider({ readers: [reader] })
  async function points (name: string): Promise<Array<DataPoint<number | Histogram>>> {
    const { resourceMetrics } = await reader.collect()
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name)
    return (metric?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>
  }
  const matches = (attributes: Record<string, unknown>, wanted: Record<string, unknown>) => Object.entries(wanted).every(([k, v]) => attributes[k] === v)
  return {
    meter: provider.getMeter('test'),
    /** Sum of a counter's points whose attributes include `wanted`. */
    async counter (name: string, wanted: Record<string, unknown> = {}): Promise<number> {
      return (await points(name)).filter((p) => matches(p.attributes, wanted)).reduce((sum, p) => sum + (p.value as number), 0)
    },
    /** Number of values recorded in a histogram's points whose attributes include `wanted`. */
    async histogramCount (name: string, wanted: Record<string, unknown> = {}): Promise<number> {
      return (await points(name)).filter((p) => matches(p.attributes, wanted)).reduce((sum, p) => sum + (p.value as Histogram).count, 0)
    }
  }
}
