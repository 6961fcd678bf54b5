import { isoUtc } from '../common/http/iso-date.js';
import { formatNasNetwork } from '../radius/nas-address.js';
import type { AccountingRunEntity } from './accounting-run.entity.js';
import type { RunCounts } from './accounting-runs.repository.js';
import type { AccountingRunDto, DryRunResultDto } from './dto/accounting-run.dto.js';
import type { LedgerEntryDto } from './dto/ledger-entry.dto.js';
import type { RejectedRecordDto } from './dto/rejected-record.dto.js';
import type { SessionDto } from './dto/session.dto.js';
import type { LedgerRow } from './ledger.repository.js';
import type { RejectedRow } from './rejected-records.repository.js';
import type { SessionRow } from './sessions.repository.js';

export function toSessionDto(row: SessionRow): SessionDto {
  return {
    id: Number(row.id),
    acct_unique_id: row.acctUniqueId,
    acct_session_id: row.acctSessionId,
    username: row.username,
    nas_identifier: row.nasIdentifier,
    nas_ip_address: row.nasIpAddress,
    nas_port_id: row.nasPortId,
    calling_station_id: row.callingStationId,
    called_station_id: row.calledStationId,
    framed_ip_address: row.framedIpAddress,
    started_at: isoUtc(row.startedAt),
    last_update_at: isoUtc(row.lastUpdateAt),
    stopped_at: isoUtc(row.stoppedAt),
    session_time: Number(row.sessionTime),
    input_octets: Number(row.inputOctets),
    output_octets: Number(row.outputOctets),
    charged_seconds: Number(row.chargedSeconds),
    overage_seconds: Number(row.overageSeconds),
    status: row.status,
    terminate_cause: row.terminateCause,
    session_time_clamped: row.sessionTimeClamped,
    seconds_so_far: Number(row.secondsSoFar),
    charged_so_far: Number(row.chargedSoFar),
    nas_client_name: row.nasClientName,
    nas_client_address: row.nasClientAddress === null ? null : formatNasNetwork(row.nasClientAddress),
    disconnect_status: row.disconnectStatus,
    disconnect_error: row.disconnectError,
    disconnect_at: isoUtc(row.disconnectAt),
    coa_status: row.coaStatus,
    coa_error: row.coaError,
    coa_at: isoUtc(row.coaAt),
    coa_session_timeout: row.coaSessionTimeout === null ? null : Number(row.coaSessionTimeout),
  };
}

export function toRejectedRecordDto(row: RejectedRow): RejectedRecordDto {
  return {
    id: Number(row.id),
    received_at: isoUtc(row.receivedAt),
    source: row.source,
    source_detail: row.sourceDetail,
    body: row.body,
    reason: row.reason,
    errors: row.errors,
    replayed_at: isoUtc(row.replayedAt),
    replay_result: row.replayResult,
  };
}

export function toLedgerEntryDto(row: LedgerRow): LedgerEntryDto {
  return {
    id: Number(row.id),
    username: row.username,
    kind: row.kind,
    delta_seconds: Number(row.deltaSeconds),
    overage_seconds: Number(row.overageSeconds),
    balance_after: Number(row.balanceAfter),
    session_id: row.sessionId === null ? null : Number(row.sessionId),
    actor: row.actorUsername,
    reason: row.reason,
    created_at: isoUtc(row.createdAt),
  };
}

export function toRunDto(run: AccountingRunEntity): AccountingRunDto {
  return {
    id: Number(run.id),
    started_at: isoUtc(run.startedAt),
    finished_at: isoUtc(run.finishedAt),
    sessions_charged: run.sessionsCharged,
    seconds_charged: run.secondsCharged,
    sessions_stopped: run.sessionsStopped,
    stale_closed: run.staleClosed,
    tokens_expired: run.tokensExpired,
    error: run.error,
  };
}

export function toDryRunDto(startedAt: Date, counts: RunCounts): DryRunResultDto {
  return {
    dry_run: true,
    started_at: isoUtc(startedAt),
    sessions_charged: counts.sessionsCharged,
    seconds_charged: counts.secondsCharged,
    sessions_stopped: counts.sessionsStopped,
    stale_closed: counts.staleClosed,
    tokens_expired: counts.tokensExpired,
  };
}
