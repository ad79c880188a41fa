import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ProblemException, Public, notFoundProblem } from '@crm/infrastructure';
import { dashboardAssets } from './dashboard-assets';

/**
 * The call-centre manager's dashboard: a static page, two scripts, a style sheet and chart.js.
 * They hold no data, so they are public (the page asks for an API key and sends it with every
 * call to /v1); outside the OpenAPI document, which describes the API only. Under its own
 * Content-Security-Policy (securityHeaders in @crm/infrastructure): scripts and styles from
 * here only, nothing inline.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  private readonly files = dashboardAssets();

  constructor() {
    if ('missing' in this.files) new Logger('Dashboard').warn(`GET /dashboard answers 404: its files are missing (${this.files.missing})`);
  }

  @Get()
  page(@Res() response: Response): void {
    this.send('index.html', response);
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    this.send(file, response);
  }

  private send(name: string, response: Response): void {
    if ('missing' in this.files) throw new ProblemException(404, 'not-found', 'Dashboard not installed', `The dashboard's files are missing: ${this.files.missing}`);
    const asset = this.files.assets.get(name);
    if (asset === undefined) throw notFoundProblem(`No dashboard file ${name}`);
    response.setHeader('Content-Type', asset.contentType);
    response.setHeader('Cache-Control', asset.cacheControl);
    response.sendFile(asset.path);
  }
}
