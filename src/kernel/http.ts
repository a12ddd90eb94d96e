import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";

/** The Fastify instance modules register routes on, typed by TypeBox schemas. */
export type HttpApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What a module hands the server: routes under one of Pendulum's surfaces. */
export type HttpModule = {
  /** `/api/v1` routes: the server has already authenticated the caller. */
  apiRoutes?(app: HttpApp): void | Promise<void>;
  /** Public routes (`/data/*`, `/services/*`, `/id/*`, static files): the module authenticates itself. */
  publicRoutes?(app: HttpApp): void | Promise<void>;
};
