import { AppShell, Burger, Group, NavLink, ScrollArea, Text, Button, Badge, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";
import { useAuth } from "./auth";
import { linkClick, useLocation } from "./router";
import { ROUTES } from "./screens/routes";
import { SECTIONS } from "./screens/types";

/** The frame around every screen: header with the user, sidebar grouped by the article's parts. */
export function Shell(props: { children: ReactNode }) {
  const [opened, { toggle }] = useDisclosure();
  const { me, signOut } = useAuth();
  const { pathname } = useLocation();
  const navRoutes = ROUTES.filter((r) => r.nav && (!r.adminOnly || me?.role === "admin"));
  // The current screen's link is the longest sidebar path the location starts with (/guides/nps
  // marks "NPS", not also "Guides").
  const activePath = navRoutes
    .map((r) => r.path)
    .filter((p) => (p === "/" ? pathname === "/" : pathname === p || pathname.startsWith(`${p}/`)))
    .sort((a, b) => b.length - a.length)[0];
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 250, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={2} size="h4">
              Pendulum
            </Title>
          </Group>
          <Group gap="sm">
            <Text size="sm" aria-label="Signed in as">
              {me?.name}
            </Text>
            <Badge variant="light" color={me?.role === "admin" ? "blue" : "gray"}>
              {me?.role}
            </Badge>
            <Button variant="subtle" size="xs" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <ScrollArea>
          {SECTIONS.map((section) => {
            const items = navRoutes.filter((r) => r.nav?.section === section);
            if (items.length === 0) return null;
            return (
              <nav key={section} aria-label={section}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="sm" pb={4}>
                  {section}
                </Text>
                {items.map((r) => {
                  const active = r.path === activePath;
                  return (
                    <NavLink
                      key={r.path}
                      component="a"
                      href={r.path}
                      label={r.nav?.label}
                      active={active}
                      variant="filled"
                      aria-current={active ? "page" : undefined}
                      onClick={(e) => {
                        linkClick(r.path)(e);
                        if (opened) toggle();
                      }}
                    />
                  );
                })}
              </nav>
            );
          })}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{props.children}</AppShell.Main>
    </AppShell>
  );
}
