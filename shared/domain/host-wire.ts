/**
 * What a game host and the control plane say to each other (`/v1/host/...`, API.md "Game-host
 * routes"), without zod: the host agent imports this module, and its bundle carries no schema
 * library. The request schema that validates a heartbeat lives in `host.ts`.
 */
/** Why a host says its server cannot run: the `stateReason` of the server's `error`. */
export const HOST_FAILURES = ['logon-token-rejected', 'logon-token-expired', 'crash-loop'] as const;
export type HostFailure = (typeof HOST_FAILURES)[number];

/** `85568392925767505/101`: the Steam id, then the query virtual port. */
export const SEARCH_ID = /^\d{1,20}\/\d{1,5}$/;
/** `1.53.1.0s`, `1.53.2.0`: digits and dots, an optional letter suffix. */
export const GAME_VERSION = /^\d+(?:\.\d+){1,4}[a-z]{0,3}$/;

/** A heartbeat, as `HeartbeatRequestSchema` in host.ts accepts it. */
export interface HeartbeatRequest {
  readonly ready: boolean;
  readonly searchId: string | null;
  readonly players: number;
  readonly gameVersion: string | null;
  readonly failure?: HostFailure | null | undefined;
}

/** What the heartbeat route answers: whether the report was recorded, and the server's state now. */
export interface HeartbeatReply {
  readonly serverId: string;
  readonly state: string;
  readonly recorded: boolean;
}

/** A presigned GET the host downloads one package file from. */
export interface BundleFile {
  readonly url: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Everything a host needs before its server starts. Holds secrets: only its own host reads it. */
export interface HostBundle {
  readonly serverId: string;
  readonly game: 'ets2' | 'ats';
  readonly branch: string;
  /** The rendered `server_config.sii`, password and logon token included. */
  readonly serverConfigSii: string;
  readonly queryPort: number;
  readonly packages: { readonly sii: BundleFile; readonly dat: BundleFile };
  /** When the package URLs stop working. */
  readonly expiresAt: string;
}

/**
 * The caller of a host route, as API Gateway's IAM authorization describes it: EC2 assumes the
 * instance role with the instance id as the session name, so the assumed-role ARN ends in it.
 */
export interface HostCaller {
  readonly roleName: string;
  readonly instanceId: string;
}

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([\w+=,.@-]{1,64})\/(i-[0-9a-f]{8,17})$/;

/** The host behind an assumed-role ARN, or `null` for any other kind of caller. */
export function hostCallerOf(userArn: string | undefined): HostCaller | null {
  const match = ASSUMED_ROLE.exec(userArn ?? '');
  if (!match) return null;
  return { roleName: match[1] as string, instanceId: match[2] as string };
}

/** How long the presigned package URLs in a bundle work: the agent downloads at once. */
export const BUNDLE_URL_SECONDS = 900;
