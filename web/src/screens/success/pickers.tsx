import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMemo, useState } from "react";
import { query } from "../../api";
import { useAuth } from "../../auth";
import { useApi } from "../../use-api";
import type { Cta, Customer } from "./shared";

/** Picks a customer by name (or account id): the server searches as you type; the value is the account id. */
export function CustomerPicker(props: { label: string; value: string; onChange(accountId: string): void; error?: string; required?: boolean; initialName?: string }) {
  const [picked, setPicked] = useState<{ value: string; label: string } | null>(props.value ? { value: props.value, label: props.initialName ? `${props.initialName} (${props.value})` : props.value } : null);
  const [search, setSearch] = useState(picked?.label ?? "");
  // While the box shows the chosen customer, the list offers everyone rather than searching for that label.
  const [q] = useDebouncedValue(search === picked?.label ? "" : search, 250);
  const found = useApi<{ customers: Customer[] }>(`/success/customers${query({ search: q, limit: 20 })}`);
  const data = useMemo(() => {
    const options = (found.data?.customers ?? []).map((c) => ({ value: c.accountId, label: `${c.name} (${c.accountId})` }));
    if (picked && !options.some((o) => o.value === picked.value)) options.unshift(picked);
    return options;
  }, [found.data, picked]);
  return (
    <Select
      label={props.label}
      placeholder="Type a name"
      searchable
      required={props.required}
      data={data}
      value={props.value || null}
      onChange={(v, option) => {
        setPicked(v && option ? { value: v, label: option.label } : null);
        props.onChange(v ?? "");
      }}
      searchValue={search}
      onSearchChange={setSearch}
      // The server already matched the name: show what it found.
      filter={({ options }) => options}
      nothingFoundMessage={found.loading ? "Searching…" : "No customer by that name"}
      error={props.error}
      data-testid="customer-picker"
    />
  );
}

/**
 * Picks a CTA owner from Pendulum's users by name, searching as you type (the name a user signs in
 * with, their email). People who already own CTAs without being users (set through the API or an
 * older rule) are offered too, so an existing owner can be kept. The value is the owner's name.
 */
export function OwnerPicker(props: { label: string; value: string; onChange(v: string): void; error?: string; description?: string }) {
  const { me } = useAuth();
  const users = useApi<{ users: { email: string }[] }>(me?.role === "admin" ? "/users" : null);
  const ctas = useApi<{ ctas: Cta[] }>("/success/ctas?limit=200");
  const data = useMemo(() => {
    const people = new Set<string>();
    if (me?.kind === "user") people.add(me.name);
    for (const u of users.data?.users ?? []) people.add(u.email);
    const others = new Set<string>();
    for (const c of ctas.data?.ctas ?? []) if (c.owner && !people.has(c.owner)) others.add(c.owner);
    if (props.value && !people.has(props.value)) others.add(props.value);
    const item = (name: string) => ({ value: name, label: me?.kind === "user" && name === me.name ? `${name} (you)` : name });
    return [
      { group: "Users", items: [...people].sort().map(item) },
      ...(others.size > 0 ? [{ group: "Other CTA owners", items: [...others].sort().map(item) }] : []),
    ];
  }, [me, users.data, ctas.data, props.value]);
  return (
    <Select
      label={props.label}
      description={props.description}
      placeholder="Search users by name"
      searchable
      clearable
      data={data}
      value={props.value || null}
      onChange={(v) => props.onChange(v ?? "")}
      nothingFoundMessage={users.loading ? "Loading users…" : "No user by that name"}
      error={props.error ?? (users.error ? `The users could not be loaded: ${users.error.message}` : undefined)}
      data-testid="owner-picker"
    />
  );
}
