import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title, Text } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { useAuth } from "../auth";
import { fieldError } from "../use-api";

/** The sign-in form: email and password, errors shown next to the field the server blamed. */
export function SignIn() {
  const { signIn } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email, password);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "CLIENT", String(err)));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main>
      <Center mih="100vh" p="md">
        <Paper withBorder shadow="sm" p="xl" w={380} component="form" onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h2" id="sign-in-title">
              Sign in to Pendulum
            </Title>
            <Text size="sm" c="dimmed">
              Product analytics, CRM sync and customer success in one loop.
            </Text>
            {error && !error.field && (
              <Alert color="red" title="Could not sign in" role="alert">
                {error.message}
              </Alert>
            )}
            <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(error, "email")} />
            <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(error, "password")} />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </Paper>
      </Center>
    </main>
  );
}
