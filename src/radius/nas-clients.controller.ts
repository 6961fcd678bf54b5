import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireCapability } from '../auth/auth.decorators.js';
import { scopeOf } from '../auth/organization-scope.js';
import { Capability, type Principal } from '../auth/policy.js';
import { ErrorDetailDto } from '../common/errors/error-response.dto.js';
import type { LimitOffsetPage } from '../common/pagination/limit-offset.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { CreateNasClientDto, NasClientDto, NasClientListDto, PatchNasClientDto, ReplaceNasClientDto } from './dto/nas-client.dto.js';
import { NasClientsService, parseNasId } from './nas-clients.service.js';

const BODY_INVALID = {
  status: 400,
  description: 'Invalid body: unknown, missing or invalid fields, a taken name or address.',
  schema: {
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { ip_address: ['Enter a valid IPv4 or IPv6 address, or a network in CIDR notation (e.g. 192.0.2.0/24).'] },
  },
};
const FORBIDDEN = { status: 403, description: 'The caller is not staff (needs nas:manage).', type: ErrorDetailDto };
const NOT_FOUND = { status: 404, description: 'No such NAS client.', type: ErrorDetailDto };
const idParam = ApiParam({ name: 'id', type: 'integer', example: 1 });

/**
 * `/api/v1/nas/`: the gateways allowed to speak RADIUS to the service (staff, or holders of nas:manage
 * within their organization). Secrets are write-only.
 */
@ApiTags('nas')
@ApiResponse({ status: 401, description: 'No, malformed, unknown or expired token.', type: ErrorDetailDto })
@ApiResponse(FORBIDDEN)
@RequireCapability(Capability.NasManage)
@Controller('api/v1/nas')
export class NasClientsController {
  constructor(private readonly service: NasClientsService) {}

  @Get()
  @ApiOperation({ operationId: 'nas_list', summary: 'List NAS clients, by id' })
  @ApiQuery({ name: 'limit', required: false, type: 'integer', description: 'Number of results to return per page (default 10, at most 1000).' })
  @ApiQuery({ name: 'offset', required: false, type: 'integer', description: 'The initial index from which to return the results.' })
  @ApiResponse({ status: 200, type: NasClientListDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: RawQuery): Promise<LimitOffsetPage<NasClientDto>> {
    return this.service.list(scopeOf(principal), query);
  }

  @Post()
  @ApiOperation({ operationId: 'nas_create', summary: 'Add a NAS client' })
  @ApiBody({ type: CreateNasClientDto, examples: { host: { summary: 'One gateway', value: { name: 'hotspot-lobby', ip_address: '192.0.2.10', secret: 'a-long-random-shared-secret' } } } })
  @ApiResponse({ status: 201, type: NasClientDto })
  @ApiResponse(BODY_INVALID)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateNasClientDto): Promise<NasClientDto> {
    return this.service.create(scopeOf(principal), body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'nas_retrieve', summary: 'One NAS client' })
  @idParam
  @ApiResponse({ status: 200, type: NasClientDto })
  @ApiResponse(NOT_FOUND)
  retrieve(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<NasClientDto> {
    return this.service.retrieve(scopeOf(principal), parseNasId(id));
  }

  @Put(':id')
  @ApiOperation({ operationId: 'nas_update', summary: 'Replace a NAS client (an omitted secret is kept, an omitted coa_port reset to 3799)' })
  @idParam
  @ApiBody({ type: ReplaceNasClientDto })
  @ApiResponse({ status: 200, type: NasClientDto })
  @ApiResponse(BODY_INVALID)
  @ApiResponse(NOT_FOUND)
  replace(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: ReplaceNasClientDto): Promise<NasClientDto> {
    return this.service.replace(scopeOf(principal), parseNasId(id), body);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'nas_partial_update', summary: 'Change some fields of a NAS client' })
  @idParam
  @ApiBody({ type: PatchNasClientDto })
  @ApiResponse({ status: 200, type: NasClientDto })
  @ApiResponse(BODY_INVALID)
  @ApiResponse(NOT_FOUND)
  partialUpdate(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: PatchNasClientDto): Promise<NasClientDto> {
    return this.service.patch(scopeOf(principal), parseNasId(id), body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'nas_destroy', summary: 'Remove a NAS client: its packets are dropped from now on' })
  @idParam
  @ApiResponse({ status: 204, description: 'Deleted.' })
  @ApiResponse(NOT_FOUND)
  destroy(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    return this.service.destroy(scopeOf(principal), parseNasId(id));
  }
}
