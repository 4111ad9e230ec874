import { BadRequestException, Body, Controller, Get, HttpCode, HttpStatus, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { principalOf, ToolError, type RequestWithPrincipal } from '#tool-contract';
import { ToolRegistryService, type ToolCallResult } from '#tool-registry';
import { XDP_NOT_CONFIGURED } from '#xdp';
import type { Request, Response } from 'express';
import { ApiErrors } from './api-error.examples.js';
import { ApiErrorDto, STATUS_BY_KIND } from './api-error.js';
import { ExecuteToolDto, ToolListDto, ToolResultDto } from './dto/tools.dto.js';
import { ToolOperation } from './tool-operation.decorator.js';

/**
 * REST entrance. Every endpoint runs a registry tool, so REST, /ws, /mcp and stdio share
 * validation and results; a tool failure answers with its mapped HTTP status and the error shape.
 * Tool arguments are not declared again here: the registry validates them with the tool's own
 * schema (query strings typed per that schema first), and Swagger documents that same schema.
 */
type QueryString = Record<string, unknown>;

// Each operation carries exactly one tag; the bearer requirement applies to /api only (probes and metrics are open).
@ApiBearerAuth('bearer')
@ApiExtraModels(ApiErrorDto)
@Controller('api')
export class ApiController {
  constructor(private readonly registry: ToolRegistryService) {}

  @ApiTags('tools')
  @Post('tools/list')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'List every tool the caller may call, with its input schema (same list as MCP tools/list)' })
  @ApiOkResponse({ type: ToolListDto })
  @ApiErrors('list')
  listTools(@Req() request: Request & RequestWithPrincipal): ToolListDto {
    return { tools: [...this.registry.list({ principal: principalOf(request), transport: 'rest' })] as ToolListDto['tools'] };
  }

  @ApiTags('tools')
  @Post('tools/execute')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Run a tool; the body of a success is the MCP CallToolResult' })
  @ApiBody({ type: ExecuteToolDto })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('execute')
  executeTool(@Body() body: ExecuteToolDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    if (body.params !== undefined && body.arguments !== undefined) {
      const message = 'Send the tool arguments once: in `params` or in its alias `arguments`, not both';
      throw new BadRequestException({ code: 'invalid_request', message, fields: [{ field: 'arguments', message }] });
    }
    return this.run(body.tool, body.params ?? body.arguments ?? {}, request, response);
  }

  @ApiTags('xdp')
  @Get('xdp/datastores')
  @ApiOperation({ summary: 'List XDP data stores (runs xdp_list_datastores)' })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('xdp', 'xdp_list_datastores')
  @ToolOperation({ tool: 'xdp_list_datastores', in: 'query', example: { page: 0, size: 20, sortBy: 'updatedAt:asc' } })
  listDatastores(@Query() query: QueryString, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.runFromQuery('xdp_list_datastores', query, request, response, XDP_NOT_CONFIGURED);
  }

  @ApiTags('xdp')
  @Get('xdp/dataplanes')
  @ApiOperation({ summary: 'List XDP dataplanes (runs xdp_list_dataplanes)' })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('xdp', 'xdp_list_dataplanes')
  @ToolOperation({ tool: 'xdp_list_dataplanes', in: 'query', example: {} })
  listDataplanes(@Query() query: QueryString, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.runFromQuery('xdp_list_dataplanes', query, request, response, XDP_NOT_CONFIGURED);
  }

  @ApiTags('trino')
  @Post('trino/query')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Run a read-only SQL query (runs trino_execute_query)' })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('trino-body', 'trino_execute_query')
  @ToolOperation({
    tool: 'trino_execute_query',
    in: 'body',
    example: { query: 'SELECT channel, count(*) AS orders FROM sales.orders GROUP BY channel ORDER BY orders DESC', maxRows: 100 },
  })
  trinoQuery(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.run('trino_execute_query', body, request, response);
  }

  @ApiTags('trino')
  @Get('trino/catalogs')
  @ApiOperation({ summary: 'List catalogs (runs trino_list_catalogs)' })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('trino-query', 'trino_list_catalogs')
  @ToolOperation({ tool: 'trino_list_catalogs', in: 'query', example: {} })
  trinoCatalogs(@Query() query: QueryString, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.runFromQuery('trino_list_catalogs', query, request, response);
  }

  @ApiTags('trino')
  @Get('trino/schemas')
  @ApiOperation({ summary: 'List the schemas of a catalog (runs trino_list_schemas)' })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('trino-query', 'trino_list_schemas')
  @ToolOperation({ tool: 'trino_list_schemas', in: 'query', example: { catalog: 'memory' } })
  trinoSchemas(@Query() query: QueryString, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.runFromQuery('trino_list_schemas', query, request, response);
  }

  @ApiTags('trino')
  @Get('trino/tables')
  @ApiOperation({ summary: 'List the tables of a catalog or schema (runs trino_list_tables)' })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('trino-query', 'trino_list_tables')
  @ToolOperation({ tool: 'trino_list_tables', in: 'query', example: { catalog: 'memory', schema: 'sales' } })
  trinoTables(@Query() query: QueryString, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.runFromQuery('trino_list_tables', query, request, response);
  }

  @ApiTags('trino')
  @Get('trino/columns')
  @ApiOperation({ summary: "List a table's columns with their types (runs trino_describe_table)" })
  @ApiOkResponse({ type: ToolResultDto })
  @ApiErrors('trino-query', 'trino_describe_table')
  @ToolOperation({ tool: 'trino_describe_table', in: 'query', example: { catalog: 'memory', schema: 'sales', table: 'orders' } })
  trinoColumns(@Query() query: QueryString, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    return this.runFromQuery('trino_describe_table', query, request, response);
  }

  private runFromQuery(
    tool: string,
    query: QueryString,
    request: Request,
    response: Response,
    unavailableMessage?: string,
  ): Promise<ToolCallResult> {
    return this.run(tool, this.registry.queryArguments(tool, query), request, response, unavailableMessage);
  }

  /** Runs a tool for a REST caller; the call is aborted if the client goes away first. */
  private async run(
    tool: string,
    args: unknown,
    request: Request & RequestWithPrincipal,
    response: Response,
    unavailableMessage?: string,
  ): Promise<ToolCallResult> {
    if (unavailableMessage && !this.registry.has(tool)) throw new ToolError('unavailable', unavailableMessage);
    const abort = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) abort.abort(new Error('client disconnected'));
    };
    response.once('close', onClose);
    try {
      const outcome = await this.registry.call(tool, args, {
        signal: abort.signal,
        reportProgress: () => undefined,
        principal: principalOf(request),
        transport: 'rest',
      });
      if (!outcome.failure) return outcome.result;
      const status = STATUS_BY_KIND[outcome.failure.kind];
      response.status(status);
      // The CallToolResult stays whole; `error` adds the REST error shape every endpoint shares.
      return { ...outcome.result, error: { status, code: outcome.failure.kind, message: outcome.failure.message } };
    } finally {
      response.off('close', onClose);
    }
  }
}
