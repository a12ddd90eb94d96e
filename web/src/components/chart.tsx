import { useEffect, useRef } from "react";
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { DatasetComponent, GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent, TitleComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";

echarts.use([BarChart, LineChart, PieChart, DatasetComponent, GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent, TitleComponent, CanvasRenderer]);

export type ChartOption = EChartsCoreOption;

/**
 * An Apache ECharts chart. `label` names it for screen readers (the canvas itself is opaque);
 * `summary` is read out in place of the picture, so the numbers are reachable without sight.
 */
export function Chart(props: { option: ChartOption; label: string; summary?: string; height?: number; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const instance = echarts.init(ref.current, undefined, { renderer: "canvas" });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(ref.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    // ECharts' own ARIA text would replace our label and summary on the container, so it stays off.
    chart.current?.setOption({ animation: false, ...props.option, aria: { enabled: false } }, { notMerge: true });
  }, [props.option]);
  return (
    <figure style={{ margin: 0 }} data-testid={props.testId}>
      <div ref={ref} role="img" aria-label={props.summary ? `${props.label}: ${props.summary}` : props.label} style={{ width: "100%", height: props.height ?? 260 }} />
    </figure>
  );
}
