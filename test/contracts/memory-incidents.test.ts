import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { incidentLogContract } from './incidents.contract.js';

incidentLogContract('memory', () => new MemoryIncidentLog());
