import { AppShell, Avatar, Burger, Button, Group, Menu, NavLink, ScrollArea, Text, Title, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { useDisclosure, useLocalStorage } from "@mantine/hooks";
import type { ReactNode } from "react";
import { useAuth } from "./auth";
import { linkClick, useLocation } from "./router";
import { ROUTES } from "./screens/routes";
import { SECTIONS, type Section } from "./screens/types";

/**
 * The frame around every screen. The sidebar lists the screens by the article's parts in compact
 * rows so all of them fit a 1440×900 screen; a section folds away with its heading, and the whole
 * sidebar can be hidden for wide tables. On a phone the sidebar is a menu behind the burger and
 * the signed-in user is a menu too, so the header never wraps.
 */
export function Shell(props: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const [hidden, setHidden] = useLocalStorage<boolean>({ key: "pendulum:sidebar-hidden", defaultValue: false });
  const [folded, setFolded] = useLocalStorage<Section[]>({ key: "pendulum:sidebar-folded", defaultValue: [] });
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
    <AppShell header={{ height: 56 }} navbar={{ width: 232, breakpoint: "sm", collapsed: { mobile: !opened, desktop: hidden } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? "Close the menu" : "Open the menu"} />
            <Burger opened={false} onClick={() => setHidden(!hidden)} visibleFrom="sm" size="sm" aria-label={hidden ? "Show the sidebar" : "Hide the sidebar"} aria-expanded={!hidden} data-testid="sidebar-toggle" />
            <Title order={2} size="h4">
              Pendulum
            </Title>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              {/* Named by its own text (axe: label-content-name-mismatch), with a hidden prefix saying what it opens. */}
              <UnstyledButton data-testid="user-menu">
                <VisuallyHidden>Account menu, signed in as {me?.name}</VisuallyHidden>
                <Group gap={8} wrap="nowrap">
                  <Avatar size={30} radius="xl" color="blue" variant="filled" aria-hidden />
                  <Text size="sm" visibleFrom="sm" maw={260} truncate="end">
                    {me?.name}
                  </Text>
                  <Text size="xs" c="dimmed" visibleFrom="sm">
                    {me?.role}
                  </Text>
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                {me?.name} · {me?.role}
              </Menu.Label>
              <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea} px={6} py={4}>
          {SECTIONS.map((section) => {
            const items = navRoutes.filter((r) => r.nav?.section === section);
            if (items.length === 0) return null;
            // A section of one screen named like it (Overview, Jobs) needs no heading of its own.
            const single = items.length === 1 && items[0]?.nav?.label === section;
            const holdsActive = items.some((r) => r.path === activePath);
            const isFolded = !single && !holdsActive && folded.includes(section);
            const id = `nav-${section.replace(/\W+/g, "-").toLowerCase()}`;
            return (
              <nav key={section} aria-label={section}>
                {!single && (
                  <UnstyledButton
                    onClick={() => setFolded(isFolded ? folded.filter((s) => s !== section) : [...folded, section])}
                    aria-expanded={!isFolded}
                    aria-controls={id}
                    w="100%"
                    px={10}
                    pt={6}
                    pb={0}
                  >
                    <Group justify="space-between" wrap="nowrap">
                      <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                        {section}
                      </Text>
                      <Text size="xs" c="dimmed" aria-hidden>
                        {isFolded ? "▸" : "▾"}
                      </Text>
                    </Group>
                    {holdsActive && <VisuallyHidden>(current section)</VisuallyHidden>}
                  </UnstyledButton>
                )}
                <div id={id} hidden={isFolded}>
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
                        py={3}
                        styles={{ root: { borderRadius: 6, minHeight: 30 } }}
                        aria-current={active ? "page" : undefined}
                        onClick={(e) => {
                          linkClick(r.path)(e);
                          close();
                        }}
                      />
                    );
                  })}
                </div>
              </nav>
            );
          })}
        </AppShell.Section>
        <AppShell.Section p={6} hiddenFrom="sm">
          <Button variant="subtle" fullWidth onClick={() => void signOut()}>
            Sign out
          </Button>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>{props.children}</AppShell.Main>
    </AppShell>
  );
}
