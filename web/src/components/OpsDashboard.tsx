// The operations page (/ops, admins): per route req/s, error rate and p50/p95/p99 with sparklines,
// the cache and the database, the access patterns as a heat strip, and the slowest statements.
// Figures arrive every 2 s over the WebSocket (lib/ops-feed.ts).
import { useEffect, useId, useState } from "react";
import {
  OPS_SLOT_SECONDS,
  OPS_WINDOWS,
  type OpsSnapshot,
  type OpsWindow,
  type RouteFigures,
} from "#contract/ops";
import { ApiError } from "../lib/api";
import { type OpsFeedStatus, startOpsFeed } from "../lib/ops-feed";

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const rate = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });
const percent = (value: number | null) => (value === null ? "–" : `${number.format(value * 100)}%`);
const msText = (value: number | null) => (value === null ? "–" : `${number.format(value)} ms`);
const bytes = (value: number) =>
  value >= 1 << 30
    ? `${number.format(value / (1 << 30))} GiB`
    : value >= 1 << 20
      ? `${number.format(value / (1 << 20))} MiB`
      : `${number.format(value / 1024)} KiB`;

/** A small line chart; its text alternative says the latest value and the range. */
export function Sparkline({
  values,
  label,
  unit,
}: {
  values: (number | null)[];
  label: string;
  unit: string;
}) {
  const width = 120;
  const height = 28;
  const present = values.filter((value): value is number => value !== null);
  const max = Math.max(1e-9, ...present);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values
    .map((value, i) =>
      value === null
        ? null
        : `${(i * step).toFixed(1)},${(height - 2 - (value / max) * (height - 4)).toFixed(1)}`,
    )
    .filter(Boolean)
    .join(" ");
  const latest = present.at(-1);
  const summary = `${label}: latest ${latest === undefined ? "none" : `${number.format(latest)} ${unit}`}, peak ${number.format(present.length ? max : 0)} ${unit} over the last ${(values.length * OPS_SLOT_SECONDS) / 60} minutes`;
  return (
    <svg
      className="spark"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={summary}
    >
      <title>{summary}</title>
      {points && <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />}
    </svg>
  );
}

function RoutesTable({ routes, window }: { routes: RouteFigures[]; window: OpsWindow }) {
  if (routes.length === 0) return <p className="ops-empty">No requests in the last 15 minutes.</p>;
  return (
    <div className="ops-table-wrap">
      <table className="ops-table">
        <caption className="visually-hidden">Requests per route over the last {window} minutes</caption>
        <thead>
          <tr>
            <th scope="col">Route</th>
            <th scope="col">req/s</th>
            <th scope="col">errors</th>
            <th scope="col">4xx / 5xx</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">p99</th>
            <th scope="col">req/s, 5 min</th>
            <th scope="col">p95, 5 min</th>
          </tr>
        </thead>
        <tbody>
          {routes.map((figures) => {
            const w = figures.windows[`${window}m`];
            return (
              <tr key={figures.route}>
                <th scope="row">
                  <code>{figures.route}</code>
                </th>
                <td>{rate.format(w.rps)}</td>
                <td className={w.errorRate > 0.01 ? "ops-bad" : undefined}>{percent(w.errorRate)}</td>
                <td>
                  {w.errors4xx} / {w.errors5xx}
                </td>
                <td>{msText(w.p50)}</td>
                <td>{msText(w.p95)}</td>
                <td>{msText(w.p99)}</td>
                <td>
                  <Sparkline
                    values={figures.spark.rps}
                    label={`${figures.route} requests per second`}
                    unit="req/s"
                  />
                </td>
                <td>
                  <Sparkline values={figures.spark.p95} label={`${figures.route} p95 latency`} unit="ms" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Bars({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return (
    <div className="ops-bars">
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p className="ops-empty">None read yet.</p>
      ) : (
        <ul>
          {entries.map(([name, n]) => (
            <li key={name}>
              <span className="ops-bar-label">{name}</span>
              <span className="ops-bar" style={{ inlineSize: `${(n / max) * 100}%` }} aria-hidden="true" />
              <span className="ops-bar-value">{number.format(n)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function HeatStrip({ snapshot }: { snapshot: OpsSnapshot }) {
  const { positions, cellRows, cursorReads } = snapshot.access;
  const max = Math.max(1, ...positions);
  const total = positions.reduce((sum, n) => sum + n, 0);
  const hottest = positions.indexOf(Math.max(...positions));
  const describe = (cell: number, n: number) =>
    `rows ${number.format(cell * cellRows + 1)}–${number.format((cell + 1) * cellRows)}: ${number.format(n)} reads`;
  return (
    <div>
      <p className="ops-note">
        {total === 0
          ? "No position reads yet."
          : `Most read: ${describe(hottest, positions[hottest] ?? 0)} of ${number.format(total)}; keyset pages (no position): ${number.format(cursorReads)}.`}
      </p>
      <ol className="ops-heat" aria-label="Reads by position in the list, top of the list first">
        {positions.map((n, cell) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: cells are positions, fixed in number
          <li key={cell}>
            <button
              type="button"
              className="ops-heat-cell"
              title={describe(cell, n)}
              aria-label={describe(cell, n)}
              style={{ opacity: n === 0 ? 0.08 : 0.2 + (0.8 * n) / max }}
            />
          </li>
        ))}
      </ol>
    </div>
  );
}

function CachePanel({ snapshot }: { snapshot: OpsSnapshot }) {
  const { hitRatio, redis, lastWarm } = snapshot.cache;
  return (
    <section className="ops-panel" aria-labelledby="ops-cache">
      <h2 id="ops-cache">Cache</h2>
      <dl className="ops-facts">
        {Object.entries(hitRatio).map(([kind, ratio]) => (
          <div key={kind}>
            <dt>Hit ratio, {kind}</dt>
            <dd>{percent(ratio)}</dd>
          </div>
        ))}
        {redis ? (
          <>
            <div>
              <dt>Redis memory</dt>
              <dd>
                {bytes(redis.usedBytes)}
                {redis.maxBytes > 0 ? ` of ${bytes(redis.maxBytes)}` : " (no maxmemory)"} · {redis.policy}
              </dd>
            </div>
            <div>
              <dt>Evicted keys</dt>
              <dd>{number.format(redis.evictedKeys)}</dd>
            </div>
            <div>
              <dt>Redis keyspace hits</dt>
              <dd>{percent(redis.keyspaceHits / Math.max(1, redis.keyspaceHits + redis.keyspaceMisses))}</dd>
            </div>
          </>
        ) : (
          <div>
            <dt>Redis</dt>
            <dd className="ops-bad">unavailable</dd>
          </div>
        )}
        <div>
          <dt>Last warm-up</dt>
          <dd>
            {lastWarm
              ? `${new Date(lastWarm.at).toLocaleTimeString()}: ${lastWarm.tasks} tasks, ${lastWarm.pages} pages in ${lastWarm.ms} ms`
              : "none since Redis started"}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function DatabasePanel({ snapshot }: { snapshot: OpsSnapshot }) {
  const { pool, queueDepth, slowStatements } = snapshot.database;
  return (
    <section className="ops-panel" aria-labelledby="ops-db">
      <h2 id="ops-db">Database</h2>
      <dl className="ops-facts">
        <div>
          <dt>Pool (this function)</dt>
          <dd>
            {pool.total} open, {pool.idle} idle, {pool.waiting} waiting
          </dd>
        </div>
        <div>
          <dt>Pool waits, 15 min</dt>
          <dd>
            {number.format(pool.waits15m)}
            {pool.waits15m > 0 ? `, ${number.format(pool.waitMs15m / pool.waits15m)} ms each` : ""}
          </dd>
        </div>
        <div>
          <dt>Job queue</dt>
          <dd>
            {queueDepth === null ? "no job queue in this database" : `${number.format(queueDepth)} waiting`}
          </dd>
        </div>
      </dl>
      <h3>Slowest statements</h3>
      {slowStatements === null ? (
        <p className="ops-empty">pg_stat_statements is not installed in this database.</p>
      ) : slowStatements.length === 0 ? (
        <p className="ops-empty">No statements recorded yet.</p>
      ) : (
        <div className="ops-table-wrap">
          <table className="ops-table">
            <thead>
              <tr>
                <th scope="col">mean</th>
                <th scope="col">calls</th>
                <th scope="col">statement</th>
              </tr>
            </thead>
            <tbody>
              {slowStatements.map((statement) => (
                <tr key={statement.query}>
                  <td>{msText(statement.meanMs)}</td>
                  <td>{number.format(statement.calls)}</td>
                  <td>
                    <code className="ops-sql">{statement.query}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function OpsDashboard() {
  const [snapshot, setSnapshot] = useState<OpsSnapshot | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState<OpsFeedStatus>("connecting");
  const [window, setWindow] = useState<OpsWindow>(1);
  const group = useId();
  useEffect(
    () =>
      startOpsFeed({
        onSnapshot: (next) => {
          setError(null);
          setSnapshot(next);
        },
        onStatus: setStatus,
        onError: (cause) => {
          if (cause instanceof ApiError) setError(cause);
        },
      }),
    [],
  );
  if (error && (error.status === 403 || error.status === 401)) {
    return (
      <div className="panel ops-denied" role="alert">
        <h2>Admins only</h2>
        <p>{error.message}.</p>
        <p>
          The operations page shows every route's traffic and the database's statements, so it needs the admin
          role.
        </p>
      </div>
    );
  }
  if (!snapshot) {
    return (
      <div className="panel">
        {error ? `Cannot load the figures: ${error.message}` : "Loading the figures…"}
      </div>
    );
  }
  return (
    <div className="ops">
      <div className="ops-toolbar">
        <fieldset className="ops-windows">
          <legend>Window</legend>
          {OPS_WINDOWS.map((minutes) => (
            <label key={minutes}>
              <input
                type="radio"
                name={group}
                value={minutes}
                checked={window === minutes}
                onChange={() => setWindow(minutes)}
              />
              {minutes} min
            </label>
          ))}
        </fieldset>
        <output className={`ops-status ops-status-${status}`} aria-live="polite">
          {status === "live"
            ? "Live over the WebSocket"
            : status === "polling"
              ? "Polling over HTTP"
              : "Connecting…"}{" "}
          · updated {new Date(snapshot.at).toLocaleTimeString()}
        </output>
      </div>
      <section className="ops-panel" aria-labelledby="ops-routes">
        <h2 id="ops-routes">Routes</h2>
        <RoutesTable routes={snapshot.routes} window={window} />
      </section>
      <div className="ops-columns">
        <CachePanel snapshot={snapshot} />
        <DatabasePanel snapshot={snapshot} />
      </div>
      <section className="ops-panel" aria-labelledby="ops-access">
        <h2 id="ops-access">Access patterns, 15 min</h2>
        <HeatStrip snapshot={snapshot} />
        <div className="ops-columns">
          <Bars title="Sorts" counts={snapshot.access.sorts} />
          <Bars title="Filters" counts={snapshot.access.filters} />
        </div>
        <p className="ops-note">
          Warm-up set: {number.format(snapshot.access.hot.tasks)} tasks and{" "}
          {number.format(snapshot.access.hot.pages)} list pages read in the last hour.
        </p>
      </section>
    </div>
  );
}
