import { Badge, Card, Group, Select, SimpleGrid, Stack, Text, Title, VisuallyHidden } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { ApiError, api, query } from "../../api";
import { Chart, type ChartOption } from "../../components/chart";
import { ErrorNotice, Loading, PageHeader, formatTime, Loaded } from "../../components/common";
import { useApi } from "../../use-api";
import { dayAgo, type NpsResult } from "./model";

type NpsResponse = { kind: string; from: string; to: string; timeZone: string; rows: NpsResult[] };

const PERIODS = [
  { value: "30", label: "Last 30 days", bucket: 7 },
  { value: "90", label: "Last 90 days", bucket: 7 },
  { value: "180", label: "Last 180 days", bucket: 14 },
  { value: "365", label: "Last 365 days", bucket: 30 },
];

const COLOUR = { detractor: "#c92a2a", passive: "#f08c00", promoter: "#2b8a3e" };
/** Darker shades for white text on badges (WCAG AA). */
const BADGE = { detractor: "#c92a2a", passive: "#8f5300", promoter: "#1f6b32" };
const categoryOf = (score: number): keyof typeof COLOUR => (score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor");

/** The app's NPS for each bucket of the period (a fixed number of requests: one per bucket). */
function useTrend(days: number, bucket: number): { points: { from: string; to: string; score: number | null; responses: number }[] | undefined; error: ApiError | undefined } {
  const [state, setState] = useState<{ points?: { from: string; to: string; score: number | null; responses: number }[]; error?: ApiError }>({});
  useEffect(() => {
    const controller = new AbortController();
    const ranges: { from: string; to: string }[] = [];
    for (let end = 0; end < days; end += bucket) ranges.unshift({ from: dayAgo(Math.min(days, end + bucket) - 1), to: dayAgo(end) });
    setState({});
    Promise.all(ranges.map((r) => api<NpsResponse>(`/nps${query({ kind: "app", ...r })}`, { signal: controller.signal }).then((b) => ({ ...r, score: b.rows[0]?.score ?? null, responses: b.rows[0]?.responses ?? 0 }))))
      .then((points) => setState({ points }))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setState({ error: e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e)) });
      });
    return () => controller.abort();
  }, [days, bucket]);
  return { points: state.points, error: state.error };
}

/** NPS of the app: score, trend, distribution of answers and the latest comments. */
export function NpsScreen() {
  const [period, setPeriod] = useState("30");
  const p = PERIODS.find((x) => x.value === period) ?? (PERIODS[0] as (typeof PERIODS)[number]);
  const days = Number(p.value);
  const range = { from: dayAgo(days - 1), to: dayAgo(0) };
  const overall = useApi<NpsResponse>(`/nps${query({ kind: "app", ...range })}`);
  // Each respondent's latest answer in the range: the basis of the score, the distribution and the comments.
  const visitors = useApi<NpsResponse>(`/nps${query({ kind: "visitor", ...range })}`);
  const trend = useTrend(days, p.bucket);
  const o = overall.data?.rows[0];

  const distribution = useMemo(() => {
    const counts = Array.from({ length: 11 }, () => 0);
    for (const r of visitors.data?.rows ?? []) if (r.latest) counts[r.latest.score] = (counts[r.latest.score] ?? 0) + 1;
    return counts;
  }, [visitors.data]);
  const comments = useMemo(
    () =>
      (visitors.data?.rows ?? [])
        .flatMap((r) => (r.latest?.comment ? [r.latest] : []))
        .sort((a, b) => b.ts - a.ts)
        .slice(0, 10),
    [visitors.data],
  );

  const distributionOption = useMemo<ChartOption>(
    () => ({
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", name: "Score", nameLocation: "middle", nameGap: 24, data: distribution.map((_, i) => String(i)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: "Respondents", data: distribution.map((n, i) => ({ value: n, itemStyle: { color: COLOUR[categoryOf(i)] } })) }],
    }),
    [distribution],
  );
  const trendOption = useMemo<ChartOption | undefined>(
    () =>
      trend.points && {
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: trend.points.map((t) => t.to) },
        yAxis: { type: "value", min: -100, max: 100 },
        series: [{ type: "line", name: "NPS", connectNulls: true, data: trend.points.map((t) => t.score), itemStyle: { color: "#1864ab" } }],
      },
    [trend.points],
  );

  return (
    <>
      <PageHeader
        title="NPS"
        description="Net Promoter Score from NPS polls: % promoters (9–10) minus % detractors (0–6), each visitor's latest answer counting once."
        actions={<Select label="Period" data={PERIODS.map(({ value, label }) => ({ value, label }))} value={period} allowDeselect={false} onChange={(v) => v && setPeriod(v)} w={180} />}
      />
      <ErrorNotice error={visitors.error ?? trend.error} />
      <Loaded state={overall} label="Loading NPS…">{() => (
        <SimpleGrid cols={{ base: 2, md: 5 }} mb="lg">
          <Card withBorder padding="sm">
            <Text size="xs" c="dimmed">
              NPS
            </Text>
            <Text size="xl" fw={700} data-testid="nps-score">
              {o?.score === null || o?.score === undefined ? "—" : o.score.toLocaleString("en-US", { maximumFractionDigits: 1 })}
            </Text>
            <Text size="xs" c="dimmed">
              {overall.data ? `${overall.data.from} to ${overall.data.to}` : ""}
            </Text>
          </Card>
          <Count label="Responses" value={o?.responses ?? 0} testId="nps-responses" />
          <Count label="Promoters" value={o?.promoters ?? 0} colour={COLOUR.promoter} />
          <Count label="Passives" value={o?.passives ?? 0} colour={COLOUR.passive} />
          <Count label="Detractors" value={o?.detractors ?? 0} colour={COLOUR.detractor} />
        </SimpleGrid>
      )}</Loaded>
      <SimpleGrid cols={{ base: 1, md: 2 }} mb="lg">
        <Card withBorder>
          <Title order={2} size="h5" mb="xs">
            Score over time
          </Title>
          {trendOption && trend.points ? (
            <Chart
              option={trendOption}
              label={`NPS per ${p.bucket}-day period`}
              summary={trend.points.map((t) => `${t.from} to ${t.to}: ${t.score === null ? "no responses" : `${t.score} from ${t.responses} responses`}`).join("; ")}
              testId="nps-trend"
            />
          ) : (
            !trend.error && <Loading label="Loading the trend…" />
          )}
        </Card>
        <Card withBorder>
          <Title order={2} size="h5" mb="xs">
            Answers 0–10
          </Title>
          <Loaded state={visitors} label="Loading answers…">{() => (
            <Chart option={distributionOption} label="Respondents by score, coloured detractor, passive and promoter" summary={distribution.map((n, i) => `${i}: ${n}`).join(", ")} testId="nps-distribution" />
          )}</Loaded>
          <VisuallyHidden data-testid="nps-distribution-summary">Respondents by score: {distribution.map((n, i) => `${i}: ${n}`).join(", ")}</VisuallyHidden>
          <Group gap="xs" mt={4}>
            {(Object.keys(COLOUR) as (keyof typeof COLOUR)[]).map((c) => (
              <Badge key={c} variant="dot" color={BADGE[c]}>
                {c}
              </Badge>
            ))}
          </Group>
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={2} size="h5" mb="xs">
          Latest comments
        </Title>
        {!visitors.data ? null : comments.length === 0 ? (
          <Text size="sm" c="dimmed">
            No comments in this period.
          </Text>
        ) : (
          <Stack gap="sm" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
            {comments.map((c) => (
              <li key={`${c.visitorId}-${c.ts}`}>
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  <Badge color={BADGE[categoryOf(c.score)]} variant="filled" aria-label={`Score ${c.score}, ${categoryOf(c.score)}`}>
                    {c.score}
                  </Badge>
                  <div>
                    <Text size="sm">{c.comment}</Text>
                    <Text size="xs" c="dimmed">
                      {c.visitorId} · {formatTime(c.ts)}
                    </Text>
                  </div>
                </Group>
              </li>
            ))}
          </Stack>
        )}
      </Card>
    </>
  );
}

function Count(props: { label: string; value: number; colour?: string; testId?: string }) {
  return (
    <Card withBorder padding="sm" style={props.colour ? { borderTop: `4px solid ${props.colour}` } : undefined}>
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text size="xl" fw={700} data-testid={props.testId}>
        {props.value.toLocaleString("en-US")}
      </Text>
    </Card>
  );
}
