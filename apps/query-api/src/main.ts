import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { QueryModule } from './query.module';

// The query API as its own service (distributed mode): views from the read store (Redis).
runService('query-api', [QueryModule]);
