import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends through SMTP_URL; without it the mail is written to the log (development). */
@Injectable()
export class MailerService implements OnApplicationShutdown {
  private readonly logger = new Logger('Mailer');
  private readonly transport?: Transporter;

  constructor(private readonly config: AppConfig) {
    if (config.smtpUrl) {
      this.transport = createTransport(config.smtpUrl);
    }
  }

  async send(mail: Mail): Promise<void> {
    if (!this.transport) {
      this.logger.warn({ mail }, 'SMTP_URL is not set; mail written to the log instead of sent');
      return;
    }
    await this.transport.sendMail({ from: this.config.mailFrom, ...mail });
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
