import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { sessionFormatError, SessionSockets } from 'nestjs-redis-session';
import type { HttpAdapterName } from '../bootstrap';

/**
 * POST /graphql (and graphql-ws subscriptions on the same path): Apollo on Express, Mercurius on Fastify. The
 * schema is code-first and kept in memory (`autoSchemaFile: true`). The resolver lives in AppModule, beside the
 * services it shares with the controllers.
 */
@Module({})
export class SampleGraphQLModule {
  static forAdapter(adapter: HttpAdapterName): DynamicModule {
    const graphql =
      adapter === 'fastify'
        ? GraphQLModule.forRootAsync<MercuriusDriverConfig>({
            driver: MercuriusDriver,
            inject: [SessionSockets],
            useFactory: (sockets: SessionSockets) => ({
              autoSchemaFile: true,
              graphiql: false,
              // Mercurius's parsed-query cache loads quick-lru with a dynamic import(), which Jest (the contract
              // tests) cannot run without --experimental-vm-modules. Off: each request parses its query.
              cache: false,
              // Authenticates graphql-ws connections by their upgrade request's cookie; closes them (4401) when
              // the session ends.
              subscription: sockets.mercuriusSubscription(),
            }),
          })
        : GraphQLModule.forRootAsync<ApolloDriverConfig>({
            driver: ApolloDriver,
            inject: [SessionSockets],
            useFactory: (sockets: SessionSockets) => ({
              autoSchemaFile: true,
              playground: false,
              // The request and response, where SessionGuard finds the cookie and SessionService writes it.
              context: ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
              // SERVICE_UNAVAILABLE (and the other session codes) instead of @nestjs/apollo's INTERNAL_SERVER_ERROR.
              formatError: sessionFormatError,
              // Lets a refused cross-site mutation answer 403 (extensions.http.status) instead of 200.
              preserveHttpStatusForExecutionErrors: false,
              subscriptions: { 'graphql-ws': sockets.graphqlWs() },
            }),
          });
    return { module: SampleGraphQLModule, imports: [graphql] };
  }
}
